import Foundation
public import KamiflowCore

/// What the web review station needs from the rest of Kamiflow, wired by the executable (the composition root):
/// the same re-check and the same accept/reject-and-deliver path as `kamiflow review accept|reject` (the runtime's
/// `ReviewStation`), the page images as the workflows read them, and the workflows' words for fields. The server
/// holds no second copy of any of it.
public struct ReviewBackend: Sendable {
    /// What came of an accept or a reject.
    public enum Decision: Sendable, Hashable {
        /// Errors remain after the corrections: nothing changed, nothing was delivered.
        case refused([Issue])
        /// Settled now: the record's status (`delivered`, `failed`, `rejected`, `dismissed`) and the core system's
        /// answer or the reason, masked.
        case settled(status: String, detail: String?)
        /// Someone settled it earlier.
        case alreadySettled(status: String)
    }

    /// The record interpreted again with corrections (field path → text as if read from the form), exactly as
    /// `review accept --set` checks it: normalisers, validators, rules on the whole record.
    public var check: @Sendable (FormRecord, [String: String]) throws -> FormRecord
    /// Corrects, checks, delivers and journals (the runtime's `ReviewStation.accept`).
    public var accept:
        @Sendable (_ scan: ScanEntry, _ index: Int, _ corrections: [String: String], _ reviewer: String)
            async throws -> Decision
    /// Dismisses the form with a reason (the runtime's `ReviewStation.reject`).
    public var reject:
        @Sendable (_ scan: ScanEntry, _ index: Int, _ reason: String, _ reviewer: String)
            async throws -> Decision
    /// PNG images of one page of a scan file: for each region the part inside it (the whole page for `nil`), with
    /// the `hidden` rectangles painted black. `nil` for a region the page does not have.
    public var images:
        @Sendable (_ path: String, _ page: Int, _ regions: [PixelRect?], _ hidden: [PixelRect])
            async throws -> [[UInt8]?]
    /// The workflow's label for a field (`氏名`), and the workflow's title, when the workflow is known.
    public var label: @Sendable (_ workflow: String, _ path: String) -> String?
    public var title: @Sendable (_ workflow: String) -> String?
    /// The workflows the station was started with (id, title), for the authoring view.
    public var workflows: [AuthoringWorkflow]
    /// The authoring view of a workflow: its zones on its template, or (with a scan) the scan's extraction drawn
    /// over its first page, sensitive values masked. `nil` for a workflow the station does not know.
    public var authoring: @Sendable (_ workflow: String, _ scan: ScanEntry?) async throws -> AuthoringSheet?

    public init(
        check: @escaping @Sendable (FormRecord, [String: String]) throws -> FormRecord,
        accept: @escaping @Sendable (ScanEntry, Int, [String: String], String) async throws -> Decision,
        reject: @escaping @Sendable (ScanEntry, Int, String, String) async throws -> Decision,
        images: @escaping @Sendable (String, Int, [PixelRect?], [PixelRect]) async throws -> [[UInt8]?],
        label: @escaping @Sendable (String, String) -> String? = { _, _ in nil },
        title: @escaping @Sendable (String) -> String? = { _ in nil },
        workflows: [AuthoringWorkflow] = [],
        authoring: @escaping @Sendable (String, ScanEntry?) async throws -> AuthoringSheet? = { _, _ in nil }
    ) {
        self.check = check
        self.accept = accept
        self.reject = reject
        self.images = images
        self.label = label
        self.title = title
        self.workflows = workflows
        self.authoring = authoring
    }
}

/// A workflow the station serves, as the authoring view lists it.
public struct AuthoringWorkflow: Sendable, Hashable {
    public var id: String
    public var title: String
    /// The workflow file.
    public var file: String

    public init(id: String, title: String, file: String) {
        self.id = id
        self.title = title
        self.file = file
    }
}

/// What the authoring view shows of one workflow: the picture `kamiflow overlay` draws (the zones on the form's
/// template, or a scan's extraction over the scan) and, for each field, where the workflow file declares it.
public struct AuthoringSheet: Sendable {
    public struct Field: Sendable, Hashable {
        /// `children[1].birth`.
        public var path: String
        public var label: String
        public var type: String
        /// zone, cells, date parts, box or options.
        public var kind: String
        /// The area read, in template millimetres.
        public var place: String
        /// The line of the workflow file that declares the field (1-based; 0 when unknown).
        public var line: Int
        /// Over a scan: what was read (sensitive values masked), with confidence and first issue.
        public var read: String?

        public init(
            path: String, label: String, type: String, kind: String, place: String, line: Int, read: String?
        ) {
            self.path = path
            self.label = label
            self.type = type
            self.kind = kind
            self.place = place
            self.line = line
            self.read = read
        }
    }

    /// The picture, PNG.
    public var png: [UInt8]
    /// One line: workflow, page, registration (over a scan), route.
    public var title: String
    /// The workflow file.
    public var file: String
    public var fields: [Field]

    public init(png: [UInt8], title: String, file: String, fields: [Field]) {
        self.png = png
        self.title = title
        self.file = file
        self.fields = fields
    }
}

/// The words of the station in one language. Japanese is the default (counter staff); English is a setting.
public enum StationLanguage: String, Sendable, CaseIterable {
    case ja, en

    /// The issue codes of `IssueCode` as a clerk says them.
    func reason(_ code: String) -> String {
        let words: [String: (String, String)] = [
            "required": ("記入がありません", "Not filled in"),
            "unreadable": ("読み取れませんでした", "Could not be read"),
            "checkDigit": ("番号の検査用数字が合いません", "The number's check digit does not match"),
            "invalidDate": ("日付として正しくありません", "Not a real date"),
            "eraOutOfRange": ("元号の範囲外の年です", "The year is outside the era"),
            "eraOverflow": ("元号の範囲外の年です", "The year is outside the era"),
            "ambiguousMark": ("複数の欄に印があります", "More than one box is marked"),
            "uncertainMark": ("印がはっきりしません", "The mark is unclear"),
            "pattern": ("書き方が決まりと違います", "Not written in the expected form"),
            "shape": ("住所・氏名などとして形が合いません", "Does not look like what the field holds"),
            "master": (
                "郵便番号簿・金融機関・氏名の読みと照らし合わせた結果です", "Checked against master data (postal codes, banks, name readings)"
            ),
            "notListed": ("選べる値にありません", "Not one of the allowed values"),
            "length": ("文字数・桁数が合いません", "Wrong number of characters"),
            "range": ("範囲外の値です", "Outside the allowed range"),
            "charset": ("使えない文字があります", "Contains characters that are not allowed"),
            "lowConfidence": ("読み取りに自信がありません", "The reading is uncertain"),
            // Why a reading is in doubt (`Doubt`), beside the low confidence.
            "readersDisagree": ("別の読み取り方では違う結果になりました", "Other readings of it disagree"),
            "slashedZero": (
                "6・8・9を0（斜線・点入りの0）と読みました。数字を確かめてください",
                "A 6, 8 or 9 was taken as 0 (a slashed or dotted zero): check the digits"
            ),
            "notAnEight": ("輪のない字を8と読みました。数字を確かめてください", "A digit with no closed loop was read as 8: check the digits"),
            "loopInGlyph": (
                "輪のある字を1・2・3・5・7と読みました。数字を確かめてください",
                "A digit with a closed loop was read as 1, 2, 3, 5 or 7: check the digits"
            ),
            "eightByShape": (
                "上下に2つの輪がある6・9を8と読みました。数字を確かめてください",
                "A 6 or 9 with two counters, one above the other, was taken as 8: check the digits"
            ),
            "digitsMissing": ("書かれた数字より桁が少なく読まれた可能性があります", "A digit may be missing from the reading"),
            "digitsExtra": (
                "年・月・日の欄に3桁以上が読まれました。数字を確かめてください", "More digits were read than a date part holds: check the digits"
            ),
            "noLoop": (
                "輪のない字を8・9と読みました。読み直した数字を確かめてください", "A digit with no closed loop was read as 8 or 9: check the digits"
            ),
            "piecesReadOtherwise": ("区切って読むと違う結果になりました", "Read in two pieces, it reads otherwise"),
            "typefaceReadsOtherwise": ("文字の形の照合で一部の文字を直しました", "A character was put in by comparing glyph shapes"),
            "kanjiUnlikeGlyph": (
                "読み取った漢字が別の漢字に似ています（読み違えやすい組み合わせ）。確かめてください",
                "A kanji read looks more like another kanji (a pair Tesseract confuses): check it"
            ),
            "checkDigitReading": ("検査用数字に合う別の読み取りを採りました", "Another reading that passes the check digit was taken"),
            "voicedMark": (
                "濁点・半濁点（゛゜）が読み取りと違う可能性があります。カナを確かめてください",
                "The voiced mark (゛ ゜) of a kana may not be the one read: check the kana"
            ),
            "alwaysReviewed": ("必ず目で確かめる項目です", "Always checked by a person"),
            "doubleEntry": ("2人で入力する項目です（ダブルチェック）", "Keyed by two people (double entry)"),
            "rule": ("他の項目と合いません", "Does not agree with other fields"),
            "rejected": ("受け付けられない内容です", "Cannot be accepted"),
        ]
        guard let pair = words[code] else { return self == .ja ? "確認が必要です（\(code)）" : "Needs a check (\(code))" }
        return self == .ja ? pair.0 : pair.1
    }

    /// The fixed words of the pages, by key, for the templates (`{{t.queue}}`).
    var words: [String: String] {
        let table: [String: (String, String)] = [
            "station": ("読取確認", "Review station"),
            "login": ("ログイン", "Log in"),
            "logout": ("ログアウト", "Log out"),
            "user": ("ユーザー名", "User name"),
            "password": ("パスワード", "Password"),
            "loginRefused": ("ユーザー名またはパスワードが違います", "Wrong user name or password"),
            "loginLocked": ("ログインに続けて失敗したため、しばらくロックされています", "Locked for a while after repeated failed logins"),
            "queue": ("確認待ち", "Waiting for review"),
            "empty": ("確認待ちの記録はありません", "Nothing waits for review"),
            "workflow": ("様式", "Form"),
            "waiting": ("待ち時間", "Waiting"),
            "why": ("理由", "Why"),
            "open": ("開く", "Open"),
            "openNext": ("次の記録を開く", "Open the next record"),
            "record": ("記録", "Record"),
            "field": ("項目", "Field"),
            "read": ("読み取り値", "As read"),
            "correction": ("訂正", "Correction"),
            "blank": ("（空欄）", "(blank)"),
            "masked": ("［非表示］", "[masked]"),
            "maskedHint": ("個人番号などは表示されません。用紙を見て入力してください。", "Sensitive values are not shown: key them from the paper."),
            "reveal": ("非表示の値を表示（記録されます）", "Reveal masked values (audited)"),
            "others": ("確認済みの項目", "Fields that went through"),
            "accept": ("確定 (F8)", "Accept (F8)"),
            "reject": ("却下 (F9)", "Reject (F9)"),
            "rejectReason": ("却下の理由", "Reason for rejecting"),
            "keys": (
                "Enter: 確認して次へ　Tab/Shift+Tab: 移動　F8: 確定　F9: 却下",
                "Enter: check and move on · Tab/Shift+Tab: move · F8: accept · F9: reject"
            ),
            "lockedBy": ("この記録は別の担当者が作業中です", "Another reviewer is working on this record"),
            "settled": ("この記録は処理済みです", "This record has been settled"),
            "notFound": ("記録が見つかりません", "No such record"),
            "refused": ("エラーが残っているため確定できません（何も送られていません）", "Errors remain: not accepted (nothing was sent)"),
            "recordErrors": ("記録全体", "Whole record"),
            "page": ("用紙", "Page"),
            "zoom": ("原寸で開く", "Open at full size"),
            "noImage": ("用紙の画像を読み込めません", "The page image is not available"),
            "back": ("一覧へ", "Back to the queue"),
            "forbidden": ("この操作はできません", "Not allowed"),
            "badRequest": ("要求が正しくありません（画面を開き直してください）", "Bad request (open the page again)"),
            "delivered": ("送信しました", "Delivered"),
            "blind": (
                "ダブルチェック：読み取り値は表示しません。用紙を見て入力してください。",
                "Double entry: the value read is not shown; key it from the paper."
            ),
            "keyRequired": ("入力してください", "Key this field"),
            "firstDone": ("1人目の入力済み・2人目の入力待ち", "First entry made, waiting for a second reviewer"),
            "conflict": ("2人の入力が食い違い：監督者の確認待ち", "The two entries differ: waiting for a supervisor"),
            "secondByOther": ("この記録の2人目の入力は別の担当者が行います", "Another reviewer makes the second entry of this record"),
            "supervisorNeeded": ("この記録は監督者が確認します", "A supervisor decides this record"),
            "entries": ("入力", "Entries"),
            "authoring": ("様式の読取位置", "Workflow zones"),
            "authoringHint": (
                "様式の読み取り位置を、白紙の様式と読み取った用紙の上に表示します（ワークフロー作成者向け）。",
                "Each workflow's zones on its blank form and over scans it read (for workflow authors)."
            ),
            "file": ("ワークフロー", "Workflow file"),
            "template": ("白紙の様式", "Blank form"),
            "scans": ("読み取った用紙", "Scans read"),
            "noScans": ("まだありません", "None yet"),
            "kind": ("種類", "Kind"),
            "place": ("位置（mm）", "Place (mm)"),
            "yamlLine": ("定義の行", "YAML line"),
            "notReadAs": ("この様式として読めません", "Not readable as this workflow"),
        ]
        return table.mapValues { self == .ja ? $0.0 : $0.1 }
    }

    /// "3日", "2 h", … for how long a record has waited.
    func age(_ seconds: TimeInterval) -> String {
        let minutes = Int(max(0, seconds) / 60)
        let (days, hours) = (minutes / 1440, (minutes % 1440) / 60)
        switch self {
        case .ja:
            if days > 0 { return "\(days)日\(hours)時間" }
            if hours > 0 { return "\(hours)時間\(minutes % 60)分" }
            return "\(minutes)分"
        case .en:
            if days > 0 { return "\(days) d \(hours) h" }
            if hours > 0 { return "\(hours) h \(minutes % 60) min" }
            return "\(minutes) min"
        }
    }
}
