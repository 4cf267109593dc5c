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

    /// Banks with their 4-digit 全銀 codes and names as a clerk would write them, and a few of their real branches
    /// (3-digit code and name), so that a master of 全銀 codes agrees with every fake account. The pairs are facts
    /// taken from the zengin-code data (source-data/data, updated_at 202608240001), not read from it at run time:
    /// samples do not depend on the masters being imported.
    struct Bank: Hashable {
        var code: String
        var name: String
        var branches: [Branch]
    }

    struct Branch: Hashable {
        var code: String
        var name: String
    }

    static let banks: [Bank] = [
        bank("0001", "みずほ銀行", "001 東京営業部, 194 目黒, 341 西船橋, 495 垂水, 646 モミノキ"),
        bank("0005", "三菱UFJ銀行", "001 本店, 155 高円寺, 312 五香, 477 伊丹, 643 中目黒"),
        bank("0009", "三井住友銀行", "001 神保町, 180 鳳, 379 芦屋, 602 尾道, 793 宮崎台"),
        bank("0010", "りそな銀行", "005 天理, 210 泉大津, 330 井荻, 527 近鉄学園前, 675 新都心営業部"),
        bank("0125", "七十七銀行", "100 本店営業部, 260 小松島, 288 富谷, 411 蛇田, 803 船岡"),
        bank("0134", "千葉銀行", "001 中央, 039 馬橋, 084 二和向台, 135 四街道南, 246 大多喜"),
        bank("0138", "横浜銀行", "200 本店営業部, 349 金沢産業センター, 411 渕野辺, 619 湘南ライフタウン, 827 百合ケ丘"),
        bank("0170", "山口銀行", "001 本店営業部, 032 西新川, 061 鹿野, 095 東萩, 148 祇園"),
        bank("0177", "福岡銀行", "001 福岡市庁内, 256 荒江, 297 宗像, 440 北九州卸市場, 638 大善寺"),
    ]

    /// A bank from its code, name and `"code name, code name"` branches; a branch is called `…支店` as a clerk
    /// writes it, unless its name already says what it is (本店, 営業部).
    private static func bank(_ code: String, _ name: String, _ branches: String) -> Bank {
        Bank(
            code: code, name: name,
            branches: branches.split(separator: ",").map { entry in
                let parts = entry.split(separator: " ").map(String.init)
                let written = parts[1].hasSuffix("本店") || parts[1].hasSuffix("営業部") ? parts[1] : parts[1] + "支店"
                return Branch(code: parts[0], name: written)
            })
    }

    static let relationsToHead: [String] = ["妻", "夫", "子", "父", "母"]

    private static func pairs(_ text: String) -> [Name] {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        return stride(from: 0, to: words.count - 1, by: 2).map { Name(kanji: words[$0], kana: words[$0 + 1]) }
    }
}
