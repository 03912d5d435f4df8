// A small cache of freed big buffers, so that a loop which makes a tensor
// of the same size on every step reuses memory instead of asking the OS.
//
// glibc serves big requests with fresh mmap'd pages (or trims them off the
// heap again when they are freed), and every fresh page costs a fault and
// the kernel zeroing it: filling a new 4 MiB tensor that way took longer
// than the add that filled it. Freed blocks of at least `minimumBytes` are
// parked here instead, up to `maximumBlocks` of them and `maximumBytes` in
// all (the oldest leave first), and a request for the same number of bytes
// takes one back. The bounds keep memory flat.

import Foundation
import Synchronization

/// What the engine's tensors hold, for callers that pace their own memory
/// management on it (the Lua binding schedules full collections by it).
public enum TensorMemory {
    /// Bytes of the float buffers of live tensors, counting only buffers
    /// of more than 1,024 floats: smaller ones live inside their storage
    /// object, and counting them would cost every tiny op an atomic update.
    /// Views share their base's buffer and add nothing.
    public static var bytesInUse: Int { BlockCache.inUse.load(ordering: .relaxed) }
}

enum BlockCache {
    /// Smaller blocks are left to malloc, which recycles them well.
    static let minimumBytes = 256 << 10
    /// At most this many parked blocks...
    static let maximumBlocks = 16
    /// ...holding at most this many bytes together.
    static let maximumBytes = 256 << 20

    private static let lock = NSLock()
    nonisolated(unsafe) private static var blocks: [(bytes: Int, pointer: UnsafeMutableRawPointer)] = []
    nonisolated(unsafe) private static var parkedBytes = 0
    /// Bytes handed out by `allocate` and not yet freed.
    static let inUse = Atomic<Int>(0)

    /// A 64-byte aligned block of `bytes` bytes (uninitialised), or nil when
    /// the system has none.
    static func allocate(_ bytes: Int) -> UnsafeMutableRawPointer? {
        inUse.add(bytes, ordering: .relaxed)
        if bytes >= minimumBytes {
            lock.lock()
            // Most recently parked first: its pages are likeliest in cache.
            if let i = blocks.lastIndex(where: { $0.bytes == bytes }) {
                let block = blocks.remove(at: i)
                parkedBytes -= bytes
                lock.unlock()
                return block.pointer
            }
            lock.unlock()
        }
        var raw: UnsafeMutableRawPointer? = nil
        guard posix_memalign(&raw, 64, bytes) == 0 else {
            inUse.subtract(bytes, ordering: .relaxed)
            return nil
        }
        return raw
    }

    /// Returns a block from `allocate`. A big one is parked, pushing out the
    /// oldest parked blocks when the cache is full: sizes a program stopped
    /// using must not hold the room that its current sizes need.
    static func free(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        inUse.subtract(bytes, ordering: .relaxed)
        guard bytes >= minimumBytes && bytes <= maximumBytes else {
            Foundation.free(pointer)
            return
        }
        var evicted: [UnsafeMutableRawPointer] = []
        lock.lock()
        while !blocks.isEmpty && (blocks.count >= maximumBlocks || parkedBytes + bytes > maximumBytes) {
            let oldest = blocks.removeFirst()
            parkedBytes -= oldest.bytes
            evicted.append(oldest.pointer)
        }
        blocks.append((bytes, pointer))
        parkedBytes += bytes
        lock.unlock()
        for p in evicted { Foundation.free(p) }
    }
}
