/// The committed tables the fake-people generator draws from: common surnames and given names with their
/// readings, some real municipalities with their towns' real postal codes (as Japan Post's data gives them, so that
/// a postal-code master agrees with every fake address) and area codes, and banks with their 全銀
/// codes. Small on purpose: enough variety for OCR to meet most kana and common kanji, and every entry checked by
/// hand, so a reading never disagrees with its name.
enum JapaneseTables {
    struct Name: Hashable {
        var kanji: String
        var kana: String
    }

    static let surnames: [Name] = pairs(
        """
        佐藤 サトウ 鈴木 スズキ 高橋 タカハシ 田中 タナカ 伊藤 イトウ 渡辺 ワタナベ 山本 ヤマモト 中村 ナカムラ
        小林 コバヤシ 加藤 カトウ 吉田 ヨシダ 山田 ヤマダ 佐々木 ササキ 山口 ヤマグチ 松本 マツモト 井上 イノウエ
        木村 キムラ 林 ハヤシ 斎藤 サイトウ 清水 シミズ 山崎 ヤマザキ 森 モリ 池田 イケダ 橋本 ハシモト 阿部 アベ
        石川 イシカワ 山下 ヤマシタ 中島 ナカジマ 石井 イシイ 小川 オガワ 前田 マエダ 岡田 オカダ 長谷川 ハセガワ
        藤田 フジタ 後藤 ゴトウ 近藤 コンドウ 村上 ムラカミ 遠藤 エンドウ 青木 アオキ 坂本 サカモト 福田 フクダ
        太田 オオタ 西村 ニシムラ 藤井 フジイ 金子 カネコ 岡本 オカモト 藤原 フジワラ 中野 ナカノ 三浦 ミウラ
        原田 ハラダ 松田 マツダ 竹内 タケウチ 中川 ナカガワ 小野 オノ 田村 タムラ 和田 ワダ 石田 イシダ 上田 ウエダ
        """)

    static let maleGivenNames: [Name] = pairs(
        """
        太郎 タロウ 翔太 ショウタ 大輔 ダイスケ 健太 ケンタ 拓也 タクヤ 直樹 ナオキ 和也 カズヤ 誠 マコト 浩 ヒロシ
        修 オサム 茂 シゲル 隆 タカシ 健一 ケンイチ 裕介 ユウスケ 達也 タツヤ 蓮 レン 陽翔 ハルト 悠真 ユウマ
        湊 ミナト 大翔 ヒロト 悠人 ユウト 颯太 ソウタ 樹 イツキ 陽太 ヨウタ 一郎 イチロウ 正樹 マサキ 秀樹 ヒデキ
        勇気 ユウキ 涼太 リョウタ 俊介 シュンスケ 翔 ショウ 亮 リョウ 淳 ジュン
        """)

    static let femaleGivenNames: [Name] = pairs(
        """
        花子 ハナコ 陽子 ヨウコ 恵子 ケイコ 美穂 ミホ 由美 ユミ 明美 アケミ 直美 ナオミ 裕子 ユウコ 智子 トモコ
        真由美 マユミ 愛 アイ 美咲 ミサキ 陽菜 ヒナ 結衣 ユイ 葵 アオイ 凛 リン 結菜 ユイナ 芽依 メイ 莉子 リコ
        紬 ツムギ 杏 アン 美羽 ミウ 千尋 チヒロ 優子 ユウコ 久美子 クミコ 京子 キョウコ 幸子 サチコ 和子 カズコ
        綾香 アヤカ 彩 アヤ 舞 マイ 純子 ジュンコ 由紀 ユキ
        """)

    /// A municipality with some of its towns (町域) and their postal codes, and its telephone area code.
    struct Municipality: Hashable {
        var prefecture: String
        var city: String
        var areaCode: String
        /// The first five digits of the 全国地方公共団体コード (the sixth is the check digit).
        var lgCodeBase: String
        var towns: [(name: String, postal: String)]

        static func == (lhs: Self, rhs: Self) -> Bool { lhs.prefecture == rhs.prefecture && lhs.city == rhs.city }
        func hash(into hasher: inout Hasher) {
            hasher.combine(prefecture)
            hasher.combine(city)
        }
    }

    static let municipalities: [Municipality] = [
        Municipality(
            prefecture: "山口県", city: "岩国市", areaCode: "0827", lgCodeBase: "35208",
            towns: [("今津町", "7400017"), ("麻里布町", "7400018"), ("室の木町", "7400021"), ("川下町", "7400023")]),
        Municipality(
            prefecture: "東京都", city: "武蔵野市", areaCode: "0422", lgCodeBase: "13203",
            towns: [("吉祥寺本町", "1800004"), ("中町", "1800006"), ("境", "1800022"), ("御殿山", "1800005")]),
        Municipality(
            prefecture: "東京都", city: "目黒区", areaCode: "03", lgCodeBase: "13110",
            towns: [("自由が丘", "1520035"), ("中目黒", "1530061"), ("目黒本町", "1520002"), ("祐天寺", "1530052")]),
        Municipality(
            prefecture: "千葉県", city: "千葉市中央区", areaCode: "043", lgCodeBase: "12101",
            towns: [("中央", "2600013"), ("富士見", "2600015"), ("新町", "2600028"), ("登戸", "2600032")]),
        Municipality(
            prefecture: "福岡県", city: "福岡市中央区", areaCode: "092", lgCodeBase: "40133",
            towns: [("天神", "8100001"), ("大名", "8100041"), ("赤坂", "8100042"), ("薬院", "8100022")]),
        Municipality(
            prefecture: "神奈川県", city: "横浜市中区", areaCode: "045", lgCodeBase: "14104",
            towns: [("山下町", "2310023"), ("本町", "2310005"), ("元町", "2310861"), ("山手町", "2310862")]),
        Municipality(
            prefecture: "大阪府", city: "大阪市北区", areaCode: "06", lgCodeBase: "27127",
            towns: [("梅田", "5300001"), ("中之島", "5300005"), ("天神橋", "5300041"), ("西天満", "5300047")]),
        Municipality(
            prefecture: "愛知県", city: "名古屋市中区", areaCode: "052", lgCodeBase: "23106",
            towns: [("栄", "4600008"), ("錦", "4600003"), ("丸の内", "4600002"), ("大須", "4600011")]),
        Municipality(
            prefecture: "宮城県", city: "岩沼市", areaCode: "0223", lgCodeBase: "04211",
            towns: [("桜", "9892433"), ("中央", "9892432"), ("館下", "9892441")]),
        Municipality(
            prefecture: "岩手県", city: "久慈市", areaCode: "0194", lgCodeBase: "03207",
            towns: [("川崎町", "0280051"), ("中央", "0280061"), ("旭町", "0280014")]),
    ]

    static let buildings: [String] = ["コーポ若葉", "ハイツ青空", "メゾン桜", "グリーンヒル", "サンライズ東", "パークサイド"]

    /// Banks with their 4-digit 全銀 codes and names as a clerk would write them.
    struct Bank: Hashable {
        var code: String
        var name: String
    }

    static let banks: [Bank] = [
        Bank(code: "0001", name: "みずほ銀行"), Bank(code: "0005", name: "三菱UFJ銀行"),
        Bank(code: "0009", name: "三井住友銀行"), Bank(code: "0010", name: "りそな銀行"),
        Bank(code: "0125", name: "七十七銀行"), Bank(code: "0134", name: "千葉銀行"),
        Bank(code: "0138", name: "横浜銀行"), Bank(code: "0170", name: "山口銀行"),
        Bank(code: "0177", name: "福岡銀行"),
    ]

    static let branchNames: [String] = ["本店", "駅前支店", "中央支店", "東支店", "西支店", "南支店", "北支店", "市役所出張所"]

    static let relationsToHead: [String] = ["妻", "夫", "子", "父", "母"]

    private static func pairs(_ text: String) -> [Name] {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        return stride(from: 0, to: words.count - 1, by: 2).map { Name(kanji: words[$0], kana: words[$0 + 1]) }
    }
}
