"""Remakes NotoSansSC-GB2312.otf from Noto Sans CJK SC Regular.

Usage (Debian): apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb noto
                python3 -m venv venv && venv/bin/pip install fonttools
                venv/bin/python make-subset.py noto/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

Keeps ASCII, every character of GB2312 (the 6,763 hanzi and its symbols), CJK punctuation,
full-width forms and a few unit signs; drops hinting and layout features (egui uses neither).
"""

import subprocess
import sys
import tempfile

# In NotoSansCJK-Regular.ttc: 0 JP, 1 KR, 2 SC, 3 TC, 4 HK.
SIMPLIFIED_CHINESE = 2


def characters():
    chars = {chr(c) for c in range(0x20, 0x7F)}
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    chars.update(chr(c) for c in range(0x3000, 0x3040))
    chars.update(chr(c) for c in range(0xFF00, 0xFFF0))
    chars.update("℃℉³²°µ·×÷±≤≥—–…‘’“”•→←↑↓√∞≈≠Ω‰％")
    return "".join(sorted(chars))


def main():
    source = sys.argv[1]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as text:
        text.write(characters())
    subprocess.run(
        [
            "pyftsubset", source, f"--font-number={SIMPLIFIED_CHINESE}", f"--text-file={text.name}",
            "--no-hinting", "--layout-features=", "--name-IDs=*", "--name-languages=*",
            "--output-file=NotoSansSC-GB2312.otf",
        ],
        check=True,
    )


if __name__ == "__main__":
    main()
