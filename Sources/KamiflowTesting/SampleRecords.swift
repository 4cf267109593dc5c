public import KamiflowCore

/// Delivery requests that look like what the workflow mapping produces for the simulator's resources, for tests of
/// connectors and of the simulator. Every value is synthetic; the マイナンバー pass the check digit (DOMAIN §4.1).
public enum SampleRecords {
    /// Valid 12-digit numbers (check digit right), from DOMAIN §4.1's test vectors.
    public static let validMyNumbers = ["123456789018", "621498320257", "983205673214", "023456789013"]

    /// A valid 児童手当 認定請求 for the `jidou-teate` resource; `index` varies the key and the content.
    public static func jidouTeate(_ index: Int, keyPrefix: String = "scan") -> DeliveryRequest {
        DeliveryRequest(
            idempotencyKey: "\(keyPrefix)-\(index)",
            workflow: "jidou-teate-nintei",
            resource: "jidou-teate",
            payload: [
                PayloadField(name: "seikyu_ymd", value: "2025-04-0\(1 + index % 9)"),
                PayloadField(name: "seikyusha_shimei", value: "山田 花子\(index)"),
                PayloadField(name: "seikyusha_kana", value: "ヤマダ ハナコ"),
                PayloadField(name: "seikyusha_seinengappi", value: "1990-04-01"),
                PayloadField(name: "seibetsu_code", value: "2"),
                PayloadField(
                    name: "kojin_bango", value: validMyNumbers[index % validMyNumbers.count], sensitive: true),
                PayloadField(name: "jusho", value: "東京都千代田区千代田1-1"),
                PayloadField(name: "denwa_bango", value: "0312345678"),
                PayloadField(name: "nenkin_kubun", value: "1"),
                PayloadField(name: "jido1_shimei", value: "山田 太郎"),
                PayloadField(name: "jido1_seinengappi", value: "2020-06-15"),
                PayloadField(name: "jido1_zokugara_code", value: "04"),
                PayloadField(name: "kinyu_kikan_code", value: "0001"),
                PayloadField(name: "shiten_code", value: "001"),
                PayloadField(name: "yokin_shumoku", value: "1"),
                PayloadField(name: "koza_bango", value: "1234567", sensitive: true),
                PayloadField(name: "koza_meigi_kana", value: "ﾔﾏﾀﾞ ﾊﾅｺ"),
            ])
    }

    /// The same record with a wrong マイナンバー check digit and a sex code out of range: the simulator answers 422.
    public static func invalidJidouTeate(_ index: Int, keyPrefix: String = "bad") -> DeliveryRequest {
        var request = jidouTeate(index, keyPrefix: keyPrefix)
        for i in request.payload.indices {
            switch request.payload[i].name {
            case "kojin_bango": request.payload[i].value = "123456789012"
            case "seibetsu_code": request.payload[i].value = "3"
            default: break
            }
        }
        return request
    }
}
