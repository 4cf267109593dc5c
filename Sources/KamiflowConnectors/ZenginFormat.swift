public import Foundation
public import KamiflowCore
public import Logging

/// A 全銀協 総合振込 file per batch (the `type: zengin` entry; DOMAIN §5.6) for paying benefits: 120-byte header,
/// data, trailer and end records in CP932 half-width characters.
///
/// The requester (依頼人) fields and the transfer date are per deployment and per run, so they are configuration;
/// each record's payload names the recipient with the fields listed in ``recordFields``. Banks differ in the
/// 手形交換所番号 filler and in bytes 112–113 (振込指定区分, 識別表示), so those are configurable too.
public struct ZenginConnectionConfiguration: Hashable, Sendable, Codable {
    /// The folder batch files go to; files are named `<prefix>-<UTC time>-<sequence>.txt`.
    public var folder: String
    public var filePrefix: String
    /// 種別コード: 21 総合振込 (11/12 給与・賞与, 71/72 公務員給与・賞与).
    public var kindCode: String
    /// コード区分: 0 JIS (SJIS), 1 EBCDIC (not supported: the bytes written are always CP932).
    public var codeDivision: String
    /// 振込依頼人コード, up to 10 digits (assigned by the bank).
    public var requesterCode: String
    /// 振込依頼人名 (folded to 全銀 kana; at most 40 bytes).
    public var requesterName: String
    /// 振込指定日 MMDD.
    public var transferDate: String
    public var bankCode: String
    public var bankName: String
    public var branchCode: String
    public var branchName: String
    /// 預金種目 of the requester's account: 1 普通, 2 当座, 4 貯蓄, 9 その他.
    public var accountType: String
    public var accountNumber: String
    /// 手形交換所番号: four bytes, `0000` or four spaces as the bank wants.
    public var clearingHouse: String
    /// 振込指定区分 (byte 112): 7 テレ振込, 8 文書振込.
    public var transferDesignation: String
    /// 識別表示 (byte 113): a space, or `Y` when the bank uses EDI情報 (not supported here).
    public var identification: String
    public var lineEnding: LineEnding
    /// Append an EOF byte (0x1A) after the end record, for banks that want one.
    public var endOfFileMarker: Bool
    /// Write ヲ as ｦ (else ｵ), and the symbols the bank allows in names.
    public var keepsWo: Bool
    public var allowedSymbols: String

    /// Settings with the defaults a deployment file gets when it leaves them out.
    public init(
        folder: String, filePrefix: String = "zengin", kindCode: String = "21", codeDivision: String = "0",
        requesterCode: String, requesterName: String, transferDate: String, bankCode: String, bankName: String,
        branchCode: String, branchName: String, accountType: String, accountNumber: String,
        clearingHouse: String = "0000", transferDesignation: String = "7", identification: String = " ",
        lineEnding: LineEnding = .crlf, endOfFileMarker: Bool = false, keepsWo: Bool = false,
        allowedSymbols: String = "().-/ "
    ) {
        self.folder = folder
        self.filePrefix = filePrefix
        self.kindCode = kindCode
        self.codeDivision = codeDivision
        self.requesterCode = requesterCode
        self.requesterName = requesterName
        self.transferDate = transferDate
        self.bankCode = bankCode
        self.bankName = bankName
        self.branchCode = branchCode
        self.branchName = branchName
        self.accountType = accountType
        self.accountNumber = accountNumber
        self.clearingHouse = clearingHouse
        self.transferDesignation = transferDesignation
        self.identification = identification
        self.lineEnding = lineEnding
        self.endOfFileMarker = endOfFileMarker
        self.keepsWo = keepsWo
        self.allowedSymbols = allowedSymbols
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case folder, identification
        case filePrefix = "file_prefix"
        case kindCode = "kind_code"
        case codeDivision = "code_division"
        case requesterCode = "requester_code"
        case requesterName = "requester_name"
        case transferDate = "transfer_date"
        case bankCode = "bank_code"
        case bankName = "bank_name"
        case branchCode = "branch_code"
        case branchName = "branch_name"
        case accountType = "account_type"
        case accountNumber = "account_number"
        case clearingHouse = "clearing_house"
        case transferDesignation = "transfer_designation"
        case lineEnding = "line_ending"
        case endOfFileMarker = "eof_marker"
        case keepsWo = "keep_wo"
        case allowedSymbols = "allowed_symbols"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func text(_ key: CodingKeys) throws -> String { try c.decode(String.self, forKey: key) }
        func optional(_ key: CodingKeys, _ fallback: String) throws -> String {
            try c.decodeIfPresent(String.self, forKey: key) ?? fallback
        }
        self.init(
            folder: try text(.folder), filePrefix: try optional(.filePrefix, "zengin"),
            kindCode: try optional(.kindCode, "21"), codeDivision: try optional(.codeDivision, "0"),
            requesterCode: try text(.requesterCode), requesterName: try text(.requesterName),
            transferDate: try text(.transferDate), bankCode: try text(.bankCode), bankName: try text(.bankName),
            branchCode: try text(.branchCode), branchName: try text(.branchName),
            accountType: try text(.accountType), accountNumber: try text(.accountNumber),
            clearingHouse: try optional(.clearingHouse, "0000"),
            transferDesignation: try optional(.transferDesignation, "7"),
            identification: try optional(.identification, " "),
            lineEnding: try c.decodeIfPresent(LineEnding.self, forKey: .lineEnding) ?? .crlf,
            endOfFileMarker: try c.decodeIfPresent(Bool.self, forKey: .endOfFileMarker) ?? false,
            keepsWo: try c.decodeIfPresent(Bool.self, forKey: .keepsWo) ?? false,
            allowedSymbols: try optional(.allowedSymbols, "().-/ ")
        )
    }

    /// Payload fields of one data record. Required: bank_code, branch_code, account_type, account_number, holder,
    /// amount. Optional: bank_name, branch_name (kana), new_code, customer_code1, customer_code2.
    public static let recordFields = [
        "bank_code", "bank_name", "branch_code", "branch_name", "account_type", "account_number", "holder", "amount",
        "new_code", "customer_code1", "customer_code2",
    ]
    /// The payload fields every data record needs.
    public static let requiredRecordFields = [
        "bank_code", "branch_code", "account_type", "account_number", "holder", "amount",
    ]

    /// The shapes of the data-record fields (DOMAIN §5.6), for checking workflow mappings when they load. Names are
    /// folded to 全銀 kana by the connector, so any kana is accepted there.
    public static let recordConstraints: [String: FieldConstraint] = [
        "bank_code": FieldConstraint(pattern: "^[0-9]{4}$", summary: "被仕向銀行番号 N4"),
        "branch_code": FieldConstraint(pattern: "^[0-9]{3}$", summary: "被仕向支店番号 N3"),
        "account_type": FieldConstraint(
            allowedValues: ["1", "2", "4", "9"], summary: "預金種目: 1 普通, 2 当座, 4 貯蓄, 9 その他"),
        "account_number": FieldConstraint(pattern: "^[0-9]{1,7}$", summary: "口座番号 N7"),
        "amount": FieldConstraint(pattern: "^[1-9][0-9]{0,9}$", summary: "振込金額 N10, yen above 0"),
        "new_code": FieldConstraint(allowedValues: ["0", "1", "2"], summary: "新規コード: 0 その他, 1 第1回, 2 変更分"),
        "customer_code1": FieldConstraint(pattern: "^[0-9]{0,10}$", summary: "顧客コード1 N10"),
        "customer_code2": FieldConstraint(pattern: "^[0-9]{0,10}$", summary: "顧客コード2 N10"),
    ]

    var kana: ZenginKana { ZenginKana(allowedSymbols: Set(allowedSymbols), keepsWo: keepsWo) }

    /// The header record, which also proves the configuration is complete and well formed.
    func headerRecord(connection: String) throws -> [UInt8] {
        do throws(RecordProblem) {
            guard transferDate.count == 4, let month = Int(transferDate.prefix(2)),
                let day = Int(transferDate.suffix(2)),
                (1...12).contains(month), (1...31).contains(day)
            else { throw RecordProblem(field: "transfer_date", "must be MMDD") }
            guard ["1", "2", "4", "9"].contains(accountType) else {
                throw RecordProblem(field: "account_type", "must be 1, 2, 4 or 9")
            }
            guard clearingHouse.utf8.count == 4, transferDesignation.utf8.count == 1, identification.utf8.count == 1
            else {
                throw RecordProblem(
                    field: "clearing_house", "clearing_house must be 4 bytes, transfer_designation and identification 1"
                )
            }
            var record: [UInt8] = Array("1".utf8)
            record += try FixedField.numeric(kindCode, bytes: 2, field: "kind_code")
            record += try FixedField.numeric(codeDivision, bytes: 1, field: "code_division")
            record += try FixedField.numeric(requesterCode, bytes: 10, field: "requester_code")
            record += try ZenginFormat.kanaField(
                requesterName, bytes: 40, field: "requester_name", kana: kana, sensitive: false)
            record += try FixedField.numeric(transferDate, bytes: 4, field: "transfer_date")
            record += try FixedField.numeric(bankCode, bytes: 4, field: "bank_code")
            record += try ZenginFormat.kanaField(bankName, bytes: 15, field: "bank_name", kana: kana, sensitive: false)
            record += try FixedField.numeric(branchCode, bytes: 3, field: "branch_code")
            record += try ZenginFormat.kanaField(
                branchName, bytes: 15, field: "branch_name", kana: kana, sensitive: false)
            record += try FixedField.numeric(accountType, bytes: 1, field: "account_type")
            record += try FixedField.numeric(accountNumber, bytes: 7, field: "account_number")
            record += [UInt8](repeating: 0x20, count: 17)
            return record
        } catch {
            throw KamiflowError(
                .invalidDeployment, "\(error.rejection.field ?? "zengin"): \(error.rejection.message)",
                subject: connection)
        }
    }
}

struct ZenginFormat: RecordFileFormat {
    let configuration: ZenginConnectionConfiguration
    let header: [UInt8]

    init(configuration: ZenginConnectionConfiguration, connection: String) throws {
        self.configuration = configuration
        self.header = try configuration.headerRecord(connection: connection)
    }

    /// Folds to 全銀 kana and pads to `bytes`; names longer than the field are cut at `bytes` (banks read only that
    /// many: "30文字目まで有効"), never inside a voiced-mark pair.
    static func kanaField(
        _ text: String, bytes: Int, field: String, kana: ZenginKana, sensitive: Bool
    ) throws(RecordProblem) -> [UInt8] {
        let folded = kana.fold(text)
        // The validator only flags such a name; a file the bank would refuse is never written.
        if let character = folded.unmappable.first {
            let which =
                sensitive
                ? "a character"
                : "'\(character)' (U+\(String(character.unicodeScalars.first!.value, radix: 16, uppercase: true)))"
            throw RecordProblem(field: field, "\(which) has no 全銀 half-width form")
        }
        var encoded = try TextEncoding.cp932.encode(folded.text, field: field, sensitive: sensitive)
        if encoded.count > bytes {
            // 0xDE/0xDF are ﾞ/ﾟ: when the cut falls between a kana and its mark, drop the kana as well.
            let cutMark = [0xDE, 0xDF].contains(encoded[bytes])
            encoded = Array(encoded.prefix(cutMark ? bytes - 1 : bytes))
        }
        return encoded + [UInt8](repeating: 0x20, count: bytes - encoded.count)
    }

    func encode(_ request: DeliveryRequest) throws(RecordProblem) -> Data {
        var fields: [String: PayloadField] = [:]
        for field in request.payload {
            guard ZenginConnectionConfiguration.recordFields.contains(field.name) else {
                throw RecordProblem(field: field.name, "is not a field of a 全銀 data record")
            }
            fields[field.name] = field
        }
        func value(_ name: String) -> String { fields[name]?.value ?? "" }
        for name in ZenginConnectionConfiguration.requiredRecordFields where value(name).isEmpty {
            throw RecordProblem(field: name, "is required")
        }
        guard ["1", "2", "4", "9"].contains(value("account_type")) else {
            throw RecordProblem(field: "account_type", "must be 1 普通, 2 当座, 4 貯蓄 or 9 その他")
        }
        guard let amount = Int(value("amount")), amount > 0, value("amount").allSatisfy(\.isASCII) else {
            throw RecordProblem(field: "amount", "must be a whole number of yen above 0")
        }
        let kana = configuration.kana
        let sensitive = { (name: String) in fields[name]?.sensitive ?? false }
        var record: [UInt8] = Array("2".utf8)
        record += try FixedField.numeric(value("bank_code"), bytes: 4, field: "bank_code")
        record += try Self.kanaField(value("bank_name"), bytes: 15, field: "bank_name", kana: kana, sensitive: false)
        record += try FixedField.numeric(value("branch_code"), bytes: 3, field: "branch_code")
        record += try Self.kanaField(
            value("branch_name"), bytes: 15, field: "branch_name", kana: kana, sensitive: false)
        record += Array(configuration.clearingHouse.utf8)
        record += try FixedField.numeric(value("account_type"), bytes: 1, field: "account_type")
        record += try FixedField.numeric(value("account_number"), bytes: 7, field: "account_number")
        let holder = try Self.kanaField(
            value("holder"), bytes: 30, field: "holder", kana: kana, sensitive: sensitive("holder"))
        guard holder.contains(where: { $0 != 0x20 }) else {
            throw RecordProblem(field: "holder", "is empty after folding")
        }
        record += holder
        record += try FixedField.numeric(value("amount"), bytes: 10, field: "amount")
        record += try FixedField.numeric(fields["new_code"]?.value ?? "0", bytes: 1, field: "new_code")
        record += try FixedField.numeric(value("customer_code1"), bytes: 10, field: "customer_code1")
        record += try FixedField.numeric(value("customer_code2"), bytes: 10, field: "customer_code2")
        record += Array(configuration.transferDesignation.utf8)
        record += Array(configuration.identification.utf8)
        record += [UInt8](repeating: 0x20, count: 7)
        assert(record.count == 120)
        return Data(record)
    }

    func file(records: [(request: DeliveryRequest, bytes: Data)]) throws(RecordProblem) -> Data {
        let newline = configuration.lineEnding.bytes
        var total = 0
        for record in records {
            total += Int(record.request.payload.first { $0.name == "amount" }?.value ?? "0") ?? 0
        }
        guard records.count <= 999_999, total <= 999_999_999_999 else {
            throw RecordProblem(field: "amount", "the batch exceeds the trailer's 6-digit count or 12-digit total")
        }
        var content = Data(header + newline)
        for record in records { content += record.bytes + newline }
        var trailer: [UInt8] = Array("8".utf8)
        trailer += try FixedField.numeric(String(records.count), bytes: 6, field: "count")
        trailer += try FixedField.numeric(String(total), bytes: 12, field: "total")
        trailer += [UInt8](repeating: 0x20, count: 101)
        content += trailer + newline
        content += Array("9".utf8) + [UInt8](repeating: 0x20, count: 119) + newline
        if configuration.endOfFileMarker { content.append(0x1A) }
        return content
    }

    func placement(stamp: String) -> BatchFileStore.Placement { .newFile("\(configuration.filePrefix)-\(stamp).txt") }
}

extension ZenginConnectionConfiguration: FolderConnectionSettings {
    public static let typeName = "zengin"
    public static var settingNames: [String] { CodingKeys.allCases.map(\.stringValue) }

    public func makeConnector(
        named name: String, environment: [String: String], logger: Logger
    ) throws
        -> any Connector
    {
        try FileConnector(
            name: name, folder: folder, format: ZenginFormat(configuration: self, connection: name), logger: logger)
    }

    public func contract(for resource: String?, openAPIDocument: Data?) throws -> MappingContract {
        MappingContract(
            requiredFields: Self.requiredRecordFields, knownFields: Self.recordFields,
            source: "a 全銀 総合振込 data record", fields: Self.recordConstraints)
    }

    public func validate(connection: String) throws {
        _ = try headerRecord(connection: connection)
    }

}
