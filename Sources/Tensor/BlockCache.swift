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

    /// A 64-byte aligned block of `bytes` bytes (uninitialised), or nil when
    /// the system has none.
    static func allocate(_ bytes: Int) -> UnsafeMutableRawPointer? {
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
        guard posix_memalign(&raw, 64, bytes) == 0 else { return nil }
        return raw
    }

    /// Returns a block from `allocate`. A big one is parked, pushing out the
    /// oldest parked blocks when the cache is full: sizes a program stopped
    /// using must not hold the room that its current sizes need.
    static func free(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
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
