import Nostr
import Probes
import Testing

/// NIP-11 documents as relays send them: every current and removed field kept when well
/// typed, ill-typed values dropped one by one and named, unknown fields ignored.
struct NIP11DocumentTests {
    static func parse(_ json: String) throws -> NIP11Document { try NIP11Document(parsing: Array(json.utf8)) }

    @Test func everyFieldOfTheSpecIsKept() throws {
        let document = try Self.parse("""
            {"name":"relay.example","description":"A relay","banner":"https://x/b.png","icon":"https://x/i.png",
             "pubkey":"f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9","self":"ab","contact":"mailto:a@b",
             "supported_nips":[66,1,11,1],"software":"https://git.example/relay","version":"1.2.3",
             "terms_of_service":"https://x/tos","payments_url":"https://x/pay",
             "fees":{"admission":[{"amount":1000,"unit":"msats"}],"publication":[{"kinds":[4],"amount":100,"unit":"msats","period":3600}]},
             "limitation":{"max_message_length":65536,"max_subscriptions":20,"max_limit":500,"max_subid_length":64,
               "max_event_tags":100,"max_content_length":8196,"min_pow_difficulty":8,"auth_required":true,
               "payment_required":false,"restricted_writes":true,"created_at_lower_limit":1,"created_at_upper_limit":2,"default_limit":100},
             "privacy_policy":"https://x/pp","posting_policy":"https://x/post","relay_countries":["DE","*"],
             "language_tags":["en","de-AT"],"tags":["sfw-only"],"retention":[{"kinds":[0,[5,7]],"time":null},{"time":3600,"count":10}]}
            """)
        #expect(document.dropped.isEmpty, "\(document.dropped)")
        #expect(document.fields.count == 20)
        #expect(document.name == "relay.example" && document.software == "https://git.example/relay" && document.version == "1.2.3")
        #expect(document.supportedNIPs == [1, 11, 66])
        #expect(document.limitation.count == 13)
        #expect(document.minPowDifficulty == 8 && document.authRequired == true && document.paymentRequired == false)
        #expect(document.restrictedWrites == true)
        #expect(document.tags == ["sfw-only"] && document.languageTags == ["en", "de-AT"])
        #expect(document.fields["retention"]?.arrayValue?.count == 2)
        #expect(document.fields["fees"]?.objectValue?.keys.sorted() == ["admission", "publication"])
    }

    @Test func illTypedValuesAreDroppedAndNamedNeverFatal() throws {
        let document = try Self.parse("""
            {"name":42,"description":"ok","supported_nips":[1,"11",true,2.5,40],
             "limitation":{"max_limit":"500","auth_required":"yes","payment_required":false,"min_pow_difficulty":1.5},
             "fees":{"admission":[{"amount":"free"},"x"]},"tags":["a",1],"software":null,"unknown_field":{"a":1}}
            """)
        #expect(document.fields["name"] == nil && document.fields["description"] == .string("ok"))
        #expect(document.supportedNIPs == [1, 40])
        #expect(document.limitation == ["payment_required": .bool(false)])
        #expect(document.tags == ["a"])
        #expect(document.fields["unknown_field"] == nil && document.fields["software"] == nil)
        #expect(
            Set(document.dropped) == [
                "name", "supported_nips[1]", "supported_nips[2]", "supported_nips[3]", "limitation.max_limit",
                "limitation.auth_required", "limitation.min_pow_difficulty", "fees.admission[0].amount", "fees.admission[1]", "tags[1]",
            ])
    }

    @Test func onlyAJSONObjectIsADocument() {
        for body in ["[1,2]", "\"relay\"", "<html>hi</html>", "", "{\"name\":"] {
            #expect(throws: NostrError.self, "\(body)") { try Self.parse(body) }
        }
    }

    /// The stored record has BigBrotr's shape, `{"data", "logs"}`, and its content address
    /// depends on the document, not on field order or dropped junk.
    @Test func theRecordIsDataAndLogsAndContentAddressed() throws {
        let a = try Self.parse(#"{"name":"Relé","supported_nips":[11,1],"junk":1}"#)
        let b = try Self.parse(#"{"supported_nips":[1,11,"x"],"name":"Relé"}"#)
        let first = try NIP11Probe.metadata(.success(a))
        #expect(first.canonicalJSON == #"{"data":{"name":"Relé","supported_nips":[1,11]},"logs":{"success":true}}"#)
        #expect(try NIP11Probe.metadata(.success(b)).hash == first.hash)
        let failed = try NIP11Probe.metadata(.failure("HTTP 404", retryable: false))
        #expect(failed.canonicalJSON == #"{"logs":{"reason":"HTTP 404","success":false}}"#)
        #expect(failed.type == .nip11Info)
    }
}
