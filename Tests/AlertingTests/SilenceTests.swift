// Silences as Alertmanager 0.25 keeps them: states, validation with its
// messages, the update rules that keep history, expiry, matching, garbage
// collection and the API v2 JSON shape.

import Foundation
import Testing
import Telemetry
@testable import Alerting

private func silence(_ matchers: String, from start: Int64 = t0, to end: Int64 = t0 + hour,
                     id: String = "") throws(SilenceError) -> Silence {
    try Silence(id: id, matchers: matchers, startsAt: start, endsAt: end, createdBy: "ops", comment: "maintenance")
}

/// The message of the error `body` throws, or nil.
private func message(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let error as SilenceError {
        return error.message
    } catch {
        return "unexpected \(error)"
    }
}

@Suite struct SilenceStates {
    @Test func pendingThenActiveInclusiveOfBothEndsThenExpired() throws {
        let s = try silence("job=api", from: t0, to: t0 + hour)
        #expect(s.state(at: t0 - 1) == .pending)
        #expect(s.state(at: t0) == .active)
        #expect(s.state(at: t0 + hour) == .active)
        #expect(s.state(at: t0 + hour + 1) == .expired)
    }

    @Test func matchersSelectAlertsAndAMissingLabelReadsAsEmpty() throws {
        let s = try silence(#"job=~"api|web", env!="dev""#)
        #expect(s.matches(["job": "api", "env": "prod"]))
        #expect(s.matches(["job": "web"]))
        #expect(!s.matches(["job": "api", "env": "dev"]))
        #expect(!s.matches(["job": "apiserver"]))
    }
}

@Suite struct SilenceValidation {
    @Test func aSilenceWithoutMatchersIsRefused() {
        var silences = Silences()
        let empty = Silence(matchers: [], startsAt: t0, endsAt: t0 + hour, createdBy: "a", comment: "b")
        #expect(message { try silences.add(empty, now: t0) } == "at least one matcher required")
        #expect(silences.count == 0)
    }

    @Test func matchersThatAllMatchTheEmptyStringAreRefused() throws {
        var silences = Silences()
        for text in [#"job="""#, #"job=~".*""#, #"a="", b=~"x|""#] {
            let s = try silence(text)
            #expect(message { try silences.add(s, now: t0) } == "at least one matcher must not match the empty string")
        }
        // A negative matcher does not count as matching "" (silence.matchesEmpty).
        #expect(message { try silences.add(try silence(#"job!="""#), now: t0) } == nil)
        #expect(message { try silences.add(try silence(#"job="", env=~".+""#), now: t0) } == nil)
    }

    @Test func timesAreCheckedAsTheAPIAndTheStoreCheckThem() throws {
        var silences = Silences()
        #expect(message { try silences.add(try silence("a=b", from: t0 + hour, to: t0), now: t0) }
                == "start time must be before end time")
        #expect(message { try silences.add(try silence("a=b", from: t0, to: t0), now: t0) }
                == "start time must be before end time")
        #expect(message { try silences.add(try silence("a=b", from: t0 - 2 * hour, to: t0 - hour), now: t0) }
                == "end time can't be in the past")
        // The store's own check, for silences built by hand.
        #expect(message { try silence("a=b", from: t0 + 1, to: t0).validate() } == "end time must not be before start time")
    }

    @Test func labelNamesFollowPrometheusRules() throws {
        let s = try silence("a:b=c")
        #expect(message { try s.validate() } == #"invalid label matcher 0: invalid label name "a:b""#)
    }

    @Test func unreadableMatchersAreReportedWithAlertmanagersMessage() {
        #expect(throws: SilenceError.self) { try silence("job") }
        #expect(throws: SilenceError.self) { try silence(#"job=~"(""#) }
    }

    @Test func emptyAuthorAndCommentAreAcceptedAsTheAPIv2AcceptsThem() {
        var silences = Silences()
        let s = Silence(matchers: [try! LabelMatcher("a", .equal, "b")], startsAt: t0, endsAt: t0 + hour,
                        createdBy: "", comment: "")
        #expect(message { try silences.add(s, now: t0) } == nil)
    }
}

@Suite struct SilenceChanges {
    @Test func addingAssignsAnIdAndStartsNoEarlierThanNow() throws {
        var silences = Silences()
        let ids = IDSequence()
        let id = try silences.add(try silence("a=b", from: t0 - hour, to: t0 + hour), now: t0, newID: ids.make)
        #expect(id == "silence-1")
        let stored = try #require(silences.silence(id: id))
        #expect(stored.startsAt == t0)
        #expect(stored.updatedAt == t0)
        #expect(stored.state(at: t0) == .active)
        // Random ids are lower-case UUIDs, as Go's uuid prints them.
        let random = try silences.add(try silence("a=b"), now: t0)
        #expect(UUID(uuidString: random) != nil && random == random.lowercased())
    }

    @Test func anActiveSilenceMayMoveItsEndAndCommentInPlace() throws {
        var silences = Silences()
        let ids = IDSequence()
        let id = try silences.add(try silence("a=b", from: t0, to: t0 + hour), now: t0, newID: ids.make)
        var changed = try #require(silences.silence(id: id))
        changed.endsAt = t0 + 3 * hour
        changed.comment = "longer"
        #expect(try silences.update(changed, now: t0 + minute, newID: ids.make) == id)
        #expect(silences.count == 1)
        #expect(silences.silence(id: id)?.endsAt == t0 + 3 * hour)
        #expect(silences.silence(id: id)?.updatedAt == t0 + minute)
    }

    @Test func changingAnActiveSilencesMatchersOrStartReplacesIt() throws {
        var silences = Silences()
        let ids = IDSequence()
        let id = try silences.add(try silence("a=b", from: t0, to: t0 + hour), now: t0, newID: ids.make)
        var changed = try silence("a=c", from: t0, to: t0 + hour, id: id)
        let newID = try silences.update(changed, now: t0 + minute, newID: ids.make)
        #expect(newID == "silence-2")
        #expect(silences.silence(id: id)?.endsAt == t0 + minute)
        #expect(silences.silence(id: id)?.state(at: t0 + minute + 1) == .expired)
        #expect(silences.silence(id: newID)?.startsAt == t0 + minute)

        changed = try #require(silences.silence(id: newID))
        changed.startsAt = t0 + 2 * minute
        let third = try silences.update(changed, now: t0 + minute, newID: ids.make)
        #expect(third == "silence-3")
        #expect(silences.silence(id: newID)?.endsAt == t0 + minute)
    }

    @Test func aPendingSilenceMayMoveButNotIntoThePast() throws {
        var silences = Silences()
        let ids = IDSequence()
        let id = try silences.add(try silence("a=b", from: t0 + hour, to: t0 + 2 * hour), now: t0, newID: ids.make)
        var later = try #require(silences.silence(id: id))
        later.startsAt = t0 + 90 * minute
        #expect(try silences.update(later, now: t0, newID: ids.make) == id)

        var earlier = later
        earlier.startsAt = t0 - minute
        let replacement = try silences.update(earlier, now: t0, newID: ids.make)
        #expect(replacement != id)
        // The pending original is expired by starting and ending now.
        #expect(silences.silence(id: id)?.startsAt == t0)
        #expect(silences.silence(id: id)?.endsAt == t0)
        #expect(silences.silence(id: replacement)?.startsAt == t0)
    }

    @Test func anExpiredSilenceIsNeverChangedOnlyReplaced() throws {
        var silences = Silences()
        let ids = IDSequence()
        let id = try silences.add(try silence("a=b", from: t0, to: t0 + hour), now: t0, newID: ids.make)
        var revived = try #require(silences.silence(id: id))
        revived.endsAt = t0 + 5 * hour
        let newID = try silences.update(revived, now: t0 + 2 * hour, newID: ids.make)
        #expect(newID != id)
        #expect(silences.silence(id: id)?.endsAt == t0 + hour)
        #expect(silences.silence(id: id)?.updatedAt == t0)
    }

    @Test func aRefusedUpdateLeavesTheOldSilenceActive() throws {
        var silences = Silences()
        let id = try silences.add(try silence("a=b"), now: t0)
        let bad = Silence(id: id, matchers: [], startsAt: t0, endsAt: t0 + hour, createdBy: "a", comment: "b")
        #expect(message { _ = try silences.update(bad, now: t0 + minute) } == "at least one matcher required")
        #expect(silences.silence(id: id)?.state(at: t0 + 2 * minute) == .active)
        #expect(silences.count == 1)
        let unknown = try silence("a=b", id: "nope")
        #expect(message { _ = try silences.update(unknown, now: t0) } == "silence nope not found")
    }

    @Test func expiringEndsNowAndTwiceIsAnError() throws {
        var silences = Silences()
        let ids = IDSequence()
        let active = try silences.add(try silence("a=b"), now: t0, newID: ids.make)
        let pending = try silences.add(try silence("a=b", from: t0 + hour, to: t0 + 2 * hour), now: t0, newID: ids.make)
        try silences.expire(id: active, now: t0 + minute)
        try silences.expire(id: pending, now: t0 + minute)
        #expect(silences.silence(id: active)?.endsAt == t0 + minute)
        #expect(silences.silence(id: pending)?.startsAt == t0 + minute)
        #expect(silences.silence(id: pending)?.endsAt == t0 + minute)
        #expect(message { try silences.expire(id: active, now: t0 + 2 * minute) } == "silence silence-1 already expired")
        #expect(message { try silences.expire(id: "missing", now: t0) } == "silence missing not found")
    }
}

@Suite struct SilenceQueries {
    @Test func onlyActiveMatchingSilencesSilence() throws {
        var silences = Silences()
        let ids = IDSequence()
        let a = try silences.add(try silence(#"job=~"api.*""#), now: t0, newID: ids.make)
        let b = try silences.add(try silence("instance=x"), now: t0, newID: ids.make)
        _ = try silences.add(try silence("job=api", from: t0 + hour, to: t0 + 2 * hour), now: t0, newID: ids.make)
        #expect(silences.silencingIDs(for: ["job": "api", "instance": "x"], at: t0) == [a, b])
        #expect(silences.silencingIDs(for: ["job": "web"], at: t0).isEmpty)
        #expect(silences.isSilenced(["job": "apiserver"], at: t0))
        try silences.expire(id: a, now: t0 + minute)
        #expect(silences.silencingIDs(for: ["job": "api"], at: t0 + 2 * minute).isEmpty)
        #expect(silences.silencingIDs(for: ["job": "api"], at: t0 + 90 * minute) == ["silence-3"])
    }

    @Test func listingPutsActiveThenPendingThenExpiredSilences() throws {
        var silences = Silences()
        let ids = IDSequence()
        _ = try silences.add(try silence("a=1", to: t0 + 2 * hour), now: t0, newID: ids.make)
        _ = try silences.add(try silence("a=2", to: t0 + hour), now: t0, newID: ids.make)
        _ = try silences.add(try silence("a=3", from: t0 + hour, to: t0 + 3 * hour), now: t0, newID: ids.make)
        let gone = try silences.add(try silence("a=4"), now: t0, newID: ids.make)
        let goneLater = try silences.add(try silence("a=5"), now: t0, newID: ids.make)
        try silences.expire(id: gone, now: t0 + 1)
        try silences.expire(id: goneLater, now: t0 + 2)
        let listed = silences.list(at: t0 + 10)
        #expect(listed.map(\.silence.id) == ["silence-2", "silence-1", "silence-3", "silence-5", "silence-4"])
        #expect(listed.map(\.state) == [.active, .active, .pending, .expired, .expired])
    }

    @Test func expiredSilencesAreCollectedAfterTheRetention() throws {
        var silences = Silences()
        let id = try silences.add(try silence("a=b", to: t0 + hour), now: t0)
        #expect(silences.garbageCollect(now: t0 + hour + Silences.defaultRetentionMs - 1) == 0)
        #expect(silences.garbageCollect(now: t0 + hour + Silences.defaultRetentionMs) == 1)
        #expect(silences.silence(id: id) == nil)
    }
}

@Suite struct SilenceJSON {
    @Test func encodesTheAPIv2GettableSilenceShape() throws {
        var silences = Silences()
        let id = try silences.add(try silence(#"job=~"api|web", env!="dev""#), now: t0)
        let encoder = JSONEncoder()
        encoder.userInfo[Silence.stateTimeKey] = t0 + minute
        let data = try encoder.encode(try #require(silences.silence(id: id)))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["id"] as? String == id)
        #expect((object["status"] as? [String: Any])?["state"] as? String == "active")
        #expect(object["startsAt"] as? String == "2023-11-14T22:13:20.000Z")
        #expect(object["endsAt"] as? String == "2023-11-14T23:13:20.000Z")
        #expect(object["updatedAt"] as? String == "2023-11-14T22:13:20.000Z")
        #expect(object["createdBy"] as? String == "ops")
        #expect(object["comment"] as? String == "maintenance")
        let matchers = try #require(object["matchers"] as? [[String: Any]])
        #expect(matchers.count == 2)
        #expect(matchers[0]["name"] as? String == "job")
        #expect(matchers[0]["value"] as? String == "api|web")
        #expect(matchers[0]["isRegex"] as? Bool == true)
        #expect(matchers[0]["isEqual"] as? Bool == true)
        #expect(matchers[1]["isRegex"] as? Bool == false)
        #expect(matchers[1]["isEqual"] as? Bool == false)

        encoder.userInfo[Silence.stateTimeKey] = t0 + 2 * hour
        let later = try JSONSerialization.jsonObject(with: try encoder.encode(silences.silence(id: id))) as? [String: Any]
        #expect((later?["status"] as? [String: Any])?["state"] as? String == "expired")
    }

    @Test func roundTripsThroughJSONAndReadsPostableSilences() throws {
        var silences = Silences()
        _ = try silences.add(try silence("a=b"), now: t0)
        _ = try silences.add(try silence(#"c!~"d+""#, from: t0 + hour, to: t0 + 2 * hour), now: t0)
        let data = try JSONEncoder().encode(silences)
        #expect(try JSONDecoder().decode(Silences.self, from: data) == silences)

        let posted = #"""
            {"matchers": [{"name": "job", "value": "api", "isRegex": false}],
             "startsAt": "2023-11-14T22:13:20.5+01:00", "endsAt": "2023-11-15T00:00:00Z",
             "createdBy": "me", "comment": "deploy"}
            """#
        let read = try JSONDecoder().decode(Silence.self, from: Data(posted.utf8))
        #expect(read.id == "")
        #expect(read.matchers == [try LabelMatcher("job", .equal, "api")])
        #expect(read.startsAt == t0 - hour + 500)
        #expect(read.createdBy == "me")
    }

    @Test func unreadableSilencesAreRefused() {
        let missingComment = #"{"matchers": [], "startsAt": "2023-11-14T22:13:20Z", "endsAt": "2023-11-14T22:13:20Z", "createdBy": "x"}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Silence.self, from: Data(missingComment.utf8)) }
        let badTime = #"{"matchers": [], "startsAt": "yesterday", "endsAt": "2023-11-14T22:13:20Z", "createdBy": "x", "comment": ""}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Silence.self, from: Data(badTime.utf8)) }
        let badRegex = #"{"matchers": [{"name": "a", "value": "(", "isRegex": true}], "startsAt": "2023-11-14T22:13:20Z", "endsAt": "2023-11-14T22:13:20Z", "createdBy": "x", "comment": ""}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Silence.self, from: Data(badRegex.utf8)) }
    }
}
