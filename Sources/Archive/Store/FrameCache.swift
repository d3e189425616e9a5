import Synchronization

/// Recently decoded frames, so that reading many events of one frame decompresses it once.
final class FrameCache: Sendable {
    private struct State {
        var frames: [Int64: [UInt8]] = [:]
        var order: [Int64] = []
    }
    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int = 16) { self.capacity = capacity }

    func payload(_ id: Int64, load: () throws -> [UInt8]) rethrows -> [UInt8] {
        if let hit = state.withLock({ $0.frames[id] }) { return hit }
        let payload = try load()
        state.withLock { s in
            if s.frames[id] == nil {
                s.frames[id] = payload
                s.order.append(id)
                if s.order.count > capacity { s.frames[s.order.removeFirst()] = nil }
            }
        }
        return payload
    }
}
