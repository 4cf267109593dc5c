#!/usr/bin/env python3
"""Writes sogo-furikomi-0410.txt from the field values worked out by hand in README.md.

Every field below is written out literally (already folded to 全銀 half-width kana, already padded), so this file
is an independent statement of what the 全銀 connector must produce, not a second implementation of it. The only
computation is the CP932 encoding of the half-width literals and a length check per record.
"""
import pathlib

SP = " "
header = ("1" + "21" + "0" + "1234567890" + "ﾐﾅﾄｸ ｹﾝｺｳﾌｸｼﾌﾞ" + SP * 26 + "0410" + "0001" + "ﾐｽﾞﾎ" + SP * 11 + "001"
          + "ﾎﾝﾃﾝ" + SP * 11 + "1" + "1234567" + SP * 17)
data1 = ("2" + "0005" + "ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ" + SP * 2 + "123" + "ｼﾝｼﾞﾕｸ" + SP * 9 + "0000" + "1" + "0076543"
         + "ﾔﾏﾀﾞ ﾀﾛｳ" + SP * 22 + "0000100000" + "0" + "0000000001" + "0000000000" + "7" + SP + SP * 7)
data2 = ("2" + "9900" + "ﾕｳﾁﾖ" + SP * 11 + "408" + "ﾖﾝｾﾞﾛﾊﾁ" + SP * 8 + "0000" + "1" + "1234567"
         + "ｷﾕｳﾖ ｼﾞﾛ-" + SP * 21 + "0000050000" + "0" + "0000000002" + "0000000000" + "7" + SP + SP * 7)
trailer = "8" + "000002" + "000000150000" + SP * 101
end = "9" + SP * 119

out = b""
for record in [header, data1, data2, trailer, end]:
    encoded = record.encode("cp932")
    assert len(encoded) == 120, (record, len(encoded))
    out += encoded + b"\r\n"
pathlib.Path(__file__).with_name("sogo-furikomi-0410.txt").write_bytes(out)
print(len(out), "bytes")
