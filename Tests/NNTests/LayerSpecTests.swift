import Foundation
import Testing
import Tensor
@testable import NN

/// Layer specs (kept in checkpoints to rebuild models) and the protocol
/// defaults every layer shares.
@Suite struct LayerSpecTests {
    @Test func specsRoundTripThroughJSONWithNestedLayersAndEveryValueKind() throws {
        let spec = LayerSpec(type: "Sequential", arguments: [
            .layer(LayerSpec(type: "Linear", arguments: [.number(784), .number(128), .table(["bias": .bool(false)])])),
            .layer(LayerSpec(type: "GELU", arguments: [.table(["approximate": .string("tanh")])])),
            .layer(LayerSpec(type: "Custom", arguments: [.list([.number(0.5), .bool(true), .string("é\"\n")]), .number(1), .bool(false)])),
        ])
        let back = try #require(LayerSpec(json: spec.json))
        #expect(back == spec)
        // Booleans stay booleans and 0/1 stay numbers, although JSON decoding hands both over as NSNumber.
        #expect(LayerSpec(json: #"{"layer": "X", "args": [true, 1, 0, false]}"#)?.arguments == [.bool(true), .number(1), .number(0), .bool(false)])
    }

    @Test func whatIsNotALayerSpecIsRefused() {
        for text in ["", "[]", "3", #"{"layer": 3, "args": []}"#, #"{"layer": "X"}"#, #"{"layer": "X", "args": [null]}"#, "{not json"] {
            #expect(LayerSpec(json: text) == nil, "\(text)")
        }
    }

    @Test func oneBasedEmbeddingsLookUpTheSameRowsAndRefuseIndexZero() throws {
        let zero = try Embedding(4, 3)
        let one = try Embedding(4, 3, indexBase: 1)
        _ = try Tensor.noGrad { try one.weight.copy_(zero.weight) }
        #expect(try zero(try Tensor([0, 3] as [Float])).toArray() == one(try Tensor([1, 4] as [Float])).toArray())
        #expect(throws: NNError.self) { try one(try Tensor([0] as [Float])) }
        #expect(throws: NNError.self) { try one(try Tensor([1.5] as [Float])) }
        #expect(throws: NNError.self) { try zero(try Tensor([4] as [Float])) }
    }

    @Test func sharedParametersAreListedOnce() throws {
        let embedding = try Embedding(5, 2)
        final class Head: Module {
            init(tied: Tensor) throws {
                super.init()
                try register(parameter: tied, named: "weight")
            }
        }
        let model = try Sequential([embedding, try Head(tied: embedding.weight)])
        #expect(model.namedParameters().map(\.name) == ["0.weight"])
        #expect(model.parameterCount == 10)
    }
}
