import Nostr
import NIOCore
import NIOWebSocket

/// One client connection of ``TestRelay``: parses REQ, CLOSE, EVENT and AUTH, answers from
/// the store, passes published events to this connection's open subscriptions, and
/// applies the knobs.
final class TestRelayConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let state: TestRelay.Store
    private let connectionIndex: Int
    private let challenge = String(UInt64.random(in: .min ... .max), radix: 16)
    private var authenticated = false
    private var sentOnConnection = 0
    private var stalled = false
    private var challengeSent = false
    /// Subscriptions answered and not closed, whose filters new events are matched against.
    private var live: [String: [Filter]] = [:]
    /// Open NIP-77 reconciliations: the responder for each, and the messages it answered.
    private var reconciliations: [String: (responder: NegentropyReconciler, answered: Int)] = [:]

    init(state: TestRelay.Store, connectionIndex: Int) {
        self.state = state
        self.connectionIndex = connectionIndex
    }


    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            let text = String(buffer: frame.unmaskedData)
            let delay = state.withLock { $0.behavior.answerDelayMilliseconds }
            guard delay > 0 else { return handle(text, context: context) }
            // Messages stay in order: each is handled its fixed delay after it arrived.
            context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(delay))) {
                if context.channel.isActive { self.handle(text, context: context) }
            }
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            context.close(promise: nil)
        default:
            break
        }
    }

    private func handle(_ text: String, context: ChannelHandlerContext) {
        guard !stalled else { return }
        guard let message = try? JSONValue(parsing: text), let array = message.arrayValue,
            let type = array.first?.stringValue
        else {
            send(#"["NOTICE","could not parse your message"]"#, context: context)
            return
        }
        let behavior = state.withLock { $0.behavior }
        switch type {
        case "REQ" where array.count >= 2:
            guard let sub = array[1].stringValue else { return }
            if behavior.requireAuth && !challengeSent {
                challengeSent = true
                send(#"["AUTH",\#(quoted(challenge))]"#, context: context)
            }
            if behavior.requireAuth && !authenticated {
                send(#"["CLOSED",\#(quoted(sub)),"auth-required: this relay wants NIP-42"]"#, context: context)
                return
            }
            let filters = array.dropFirst(2).compactMap { try? Filter(json: $0.jsonText) }
            live[sub] = filters
            answer(sub, filters, behavior: behavior, context: context)
        case "EVENT" where array.count == 2:
            publish(array[1].jsonText, behavior: behavior, context: context)
        case "AUTH" where array.count == 2:
            guard let event = try? Event(json: array[1].jsonText) else { return }
            let valid = event.kind == 22242 && (try? event.verify()) != nil && event.tagValues("challenge").first == challenge
            let ok = valid && !behavior.refuseAuth
            authenticated = authenticated || ok
            let reason = ok ? "" : valid ? "restricted: not on the list" : "invalid: bad auth"
            send(#"["OK","\#(event.id.hex)",\#(ok),"\#(reason)"]"#, context: context)
        case "NEG-OPEN" where behavior.ignoreNegentropy:
            break
        case "NEG-OPEN" where behavior.negentropy != nil && array.count >= 4:
            guard let sub = array[1].stringValue, let filter = try? Filter(json: array[2].jsonText), let hex = array[3].stringValue else { return }
            let events = state.withLock { $0.events }.filter { filter.matches($0) }
            if let most = behavior.negentropyMaxItems, events.count > most {
                send(#"["NEG-ERR",\#(quoted(sub)),"blocked: too many query results"]"#, context: context)
                return
            }
            let set = NegentropySet(events.map { NegentropyItem(timestamp: UInt64($0.createdAt), id: $0.id) })
            guard let responder = try? NegentropyReconciler(set: set, frameLimit: 500_000) else { return }
            reconciliations[sub] = (responder, 0)
            negentropyAnswer(sub, hex, knob: behavior.negentropy ?? .answers, context: context)
        case "NEG-MSG" where array.count >= 3:
            guard let sub = array[1].stringValue, let hex = array[2].stringValue else { return }
            negentropyAnswer(sub, hex, knob: behavior.negentropy ?? .answers, context: context)
        case "NEG-CLOSE":
            if array.count >= 2, let sub = array[1].stringValue { reconciliations[sub] = nil }
        case "CLOSE":
            if array.count >= 2, let sub = array[1].stringValue { live[sub] = nil }
        default:
            send(#"["NOTICE","unsupported: \#(type)"]"#, context: context)
        }
    }

    /// One NIP-77 answer, as the knob says.
    private func negentropyAnswer(_ sub: String, _ hex: String, knob: NegentropyResponder, context: ChannelHandlerContext) {
        guard let session = reconciliations[sub] else {
            send(#"["NEG-ERR",\#(quoted(sub)),"closed: no such reconciliation"]"#, context: context)
            return
        }
        reconciliations[sub]?.answered += 1
        switch knob {
        case .errorAfter(let n) where session.answered >= n:
            send(#"["NEG-ERR",\#(quoted(sub)),"closed: the test relay gave up"]"#, context: context)
            return
        case .malformedHex:
            send(#"["NEG-MSG",\#(quoted(sub)),"not hex at all"]"#, context: context)
            return
        case .neverConverges:
            let noise = (0..<16).map { _ in UInt8.random(in: 0...255) }
            var bytes: [UInt8] = [0x61, 0x00, 0x00, 0x01]  // infinity, empty prefix, fingerprint
            bytes += noise
            send(#"["NEG-MSG",\#(quoted(sub)),"\#(Hex.encode(bytes))"]"#, context: context)
            return
        case .oversizedFrame:
            send(#"["NEG-MSG",\#(quoted(sub)),""#  + String(repeating: "00", count: 5 << 20) + #""]"#, context: context)
            return
        default:
            break
        }
        guard let bytes = Hex.decode(hex), let out = try? session.responder.respond(bytes) else {
            send(#"["NEG-ERR",\#(quoted(sub)),"PROTOCOL-ERROR"]"#, context: context)
            return
        }
        send(#"["NEG-MSG",\#(quoted(sub)),"\#(Hex.encode(out))"]"#, context: context)
    }

    private func answer(_ sub: String, _ filters: [Filter], behavior: TestRelayBehavior, context: ChannelHandlerContext) {
        let events = state.withLock { s -> [Event] in
            s.requests += 1
            return s.events
        }
        var seen = Set<EventID>()
        var page: [Event] = []
        for filter in filters {
            for event in TestRelay.select(filter, from: events, behavior: behavior) where seen.insert(event.id).inserted {
                page.append(event)
            }
        }
        let misbehaving = connectionIndex <= behavior.misbehavingConnections
        let subJSON = quoted(sub)
        for event in page {
            if misbehaving, let n = behavior.stallAfter, sentOnConnection >= n {
                if !stalled { state.withLock { $0.misbehaved += 1 } }
                stalled = true
                context.flush()
                return
            }
            if misbehaving, let n = behavior.disconnectAfter, sentOnConnection >= n {
                state.withLock { $0.misbehaved += 1 }
                context.flush()
                context.close(promise: nil)
                return
            }
            let message = "[\"EVENT\",\(subJSON),\(event.jsonText)]"
            send(message, context: context, flush: false)
            if behavior.duplicate { send(message, context: context, flush: false) }
            sentOnConnection += 1
            state.withLock { $0.eventsSent += 1 }
            if let n = behavior.garbageEvery, sentOnConnection % n == 0 {
                send("[\"EVENT\",\(subJSON),{\"id\": nope", context: context, flush: false)
            }
            if let n = behavior.oversizedEvery, sentOnConnection % n == 0 {
                send("[\"NOTICE\",\"" + String(repeating: "x", count: behavior.oversizedBytes) + "\"]", context: context, flush: false)
            }
        }
        send("[\"EOSE\",\(subJSON)]", context: context)
    }

    /// Answers an EVENT with OK as the knobs say; an accepted event is stored (unless
    /// ephemeral) and sent to the matching open subscriptions.
    private func publish(_ json: String, behavior: TestRelayBehavior, context: ChannelHandlerContext) {
        guard let event = try? Event(json: json) else {
            send(#"["NOTICE","invalid: could not parse your event"]"#, context: context)
            return
        }
        func ok(_ accepted: Bool, _ message: String) {
            send(#"["OK","\#(event.id.hex)",\#(accepted),\#(quoted(message))]"#, context: context)
        }
        if (try? event.verify()) == nil { return ok(false, "invalid: bad id or signature") }
        if behavior.requireAuth && !authenticated { return ok(false, "auth-required: this relay wants NIP-42") }
        if let reason = behavior.rejectWrites { return ok(false, reason) }
        if let bits = behavior.minPow, event.id.leadingZeroBits < bits {
            return ok(false, "pow: difficulty \(event.id.leadingZeroBits) is less than \(bits)")
        }
        let ephemeral = (20000..<30000).contains(event.kind)
        if !ephemeral { state.withLock { $0.events.append(event) } }
        ok(true, "")
        guard !(ephemeral && behavior.swallowEphemeral) else { return }
        for (sub, filters) in live where filters.contains(where: { $0.matches(event) }) {
            send(#"["EVENT",\#(quoted(sub)),\#(event.jsonText)]"#, context: context)
        }
    }

    private func send(_ text: String, context: ChannelHandlerContext, flush: Bool = true) {
        let frame = WebSocketFrame(fin: true, opcode: .text, data: context.channel.allocator.buffer(string: text))
        if flush {
            context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
        } else {
            context.write(wrapOutboundOut(frame), promise: nil)
        }
    }

    private func quoted(_ s: String) -> String { JSONValue.string(s).jsonText }
}
