"""Hostile-file guards, run before any parser sees an upload.

* a size cap with a clear message;
* the content is sniffed (magic bytes), never trusted from the extension: executables, PDFs and images are
  refused by name; a compound (OLE2) file is a workbook only when its directory holds a ``Workbook``/``Book``
  stream (an old .xls; anything else, such as a WPS .et file of its own format or a password-protected
  workbook, is refused saying how to save it);
* XLSX and ODS are zips: the member count, the total uncompressed size and the compression ratio are checked
  with :mod:`zipfile` before anything is decompressed (zip bombs); then each part is inflated here with a cap on
  the bytes it really yields, so a part that holds more than its header declares is refused, not read;
* any error of a broken archive (truncated, bad CRC, headers that disagree) is an :class:`UploadRejected`;
* every XML member's prolog is checked for DTDs and entity declarations (billion laughs, XXE) and the small
  package parts are parsed with :mod:`defusedxml`;
* CSV must be text: UTF-8 (with or without BOM) or GB18030; Excel's "Unicode text" (UTF-16 with its BOM,
  tab-separated) is read too. A text file whose first line holds more tabs than commas is read tab-separated.
"""

from __future__ import annotations

import logging
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import filetype
from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from django.conf import settings
from django.utils.translation import gettext as _

MAX_BYTES_DEFAULT = 30 * 1024 * 1024
MAX_UNCOMPRESSED = 400 * 1024 * 1024
MAX_RATIO = 100  # real workbooks stay far below; zip bombs are in the thousands
MAX_MEMBERS = 500
PROLOG_LIMIT = 64 * 1024
SMALL_XML = 2 * 1024 * 1024
_NAME_START = re.compile(rb"<[A-Za-z_]")
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_ZIP64 = 0xFFFFFFFF
_CHUNK = 1024 * 1024

logger = logging.getLogger(__name__)


class UploadRejected(Exception):
    """The file is refused as a whole; the message says why, in Chinese."""


@dataclass(frozen=True)
class Inspected:
    kind: str  # "xlsx" | "xls" | "ods" | "csv" | "txt" (Excel's Unicode text)
    encoding: str = ""  # for text
    delimiter: str = ","  # for text

    @property
    def is_workbook(self) -> bool:
        return self.kind in WORKBOOK_KINDS


WORKBOOK_KINDS = ("xlsx", "xls", "ods")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def max_upload_bytes() -> int:
    return int(
        getattr(settings, "LEDGER_UPLOAD_MAX_BYTES", 0) or getattr(settings, "UPLOAD_MAX_BYTES", 0) or MAX_BYTES_DEFAULT
    )


def check_size(size: int) -> None:
    limit = max_upload_bytes()
    if size > limit:
        raise UploadRejected(
            _("文件过大：%(size).1f MB，上限为 %(limit)d MB。请拆分为多个文件分别上传。")
            % {"size": size / 1024 / 1024, "limit": limit // 1024 // 1024}
        )
    if size == 0:
        raise UploadRejected(_("文件是空的，请选择填好的台账文件。"))


def inspect_file(path: str | Path) -> Inspected:
    """Decide what the file really is, or raise :class:`UploadRejected` with the reason."""
    path = Path(path)
    check_size(path.stat().st_size)
    with path.open("rb") as fh:
        head = fh.read(8192)
    if head.startswith(b"PK\x03\x04"):
        return Inspected(check_xlsx(path))
    if head.startswith(_OLE):
        check_ole(path)
        return Inspected("xls")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Inspected("txt", "utf-16", _delimiter(_decoded(path, "utf-16")))
    if head.startswith((b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"#!")):
        raise UploadRejected(_("文件内容是可执行程序，不是表格，已拒绝。请上传.xlsx或.csv台账文件。"))
    guess = filetype.guess(head)
    if guess is not None:
        raise UploadRejected(
            _("文件内容是“%(mime)s”，不是表格，已拒绝。请上传.xlsx或.csv台账文件。") % {"mime": guess.mime}
        )
    if b"\x00" in head:
        raise UploadRejected(_("文件内容不是文本表格（含二进制数据），已拒绝。请上传.xlsx或.csv台账文件。"))
    encoding = sniff_encoding(path)
    return Inspected("csv", encoding, _delimiter(_decoded(path, encoding, limit=65536)))


def _decoded(path: Path, encoding: str, limit: int = 0) -> str:
    """The file's text (with ``limit``: its first bytes, already known to decode)."""
    if limit:
        with path.open("rb") as fh:
            return fh.read(limit).decode(encoding, errors="ignore")
    try:
        text = path.read_bytes().decode(encoding)
    except UnicodeDecodeError:
        raise UploadRejected(
            _("无法读取Unicode文本文件：内容不是有效的UTF-16文本。请在Excel中另存为.xlsx后上传。")
        ) from None
    if "\x00" in text:
        raise UploadRejected(_("文件内容不是文本表格（含二进制数据），已拒绝。请上传.xlsx或.csv台账文件。"))
    return text


def _delimiter(text: str) -> str:
    """Tab when the first lines hold more tabs than commas (Excel's text exports), else comma."""
    lines = [line for line in text.lstrip("\ufeff").splitlines()[:20] if line.strip()]
    return "\t" if sum(line.count("\t") for line in lines) > sum(line.count(",") for line in lines) else ","


def sniff_encoding(path: Path) -> str:
    data = path.read_bytes()
    encodings = ["utf-8-sig"] if data.startswith(b"\xef\xbb\xbf") else ["utf-8", "gb18030"]
    for encoding in encodings:
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    raise UploadRejected(_("无法识别CSV文件的编码：请保存为“UTF-8”或“GB18030/GBK”编码的CSV。"))


def check_xlsx(path: Path) -> str:
    """The zip guards; any error reading the archive (truncated, bad CRC, a part bigger than it says) is a
    refusal with a message, never an exception of the zip module. The workbook's kind: "xlsx" or "ods"."""
    try:
        return _check_xlsx(path)
    except UploadRejected:
        raise
    except Exception as exc:  # zipfile, zlib, struct and OS errors of a broken archive
        logger.info("unreadable xlsx %s: %r", path, exc)
        raise _broken() from exc


def _broken() -> UploadRejected:
    return UploadRejected(_("文件已损坏，无法读取：请在Excel中打开并另存为.xlsx后重新上传。"))


def _check_xlsx(path: Path) -> str:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise UploadRejected(_("文件已损坏或不是有效的Excel（.xlsx）文件，请重新保存后上传。")) from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise UploadRejected(_("Excel文件结构异常（包含%(n)d个部件），已拒绝。") % {"n": len(members)})
        total = sum(m.file_size for m in members)
        packed = sum(m.compress_size for m in members) or 1
        if total > MAX_UNCOMPRESSED:
            raise UploadRejected(
                _("Excel文件解压后过大（%(mb)d MB，上限%(limit)d MB），疑似压缩炸弹，已拒绝。请拆分后上传。")
                % {"mb": total // 1024 // 1024, "limit": MAX_UNCOMPRESSED // 1024 // 1024}
            )
        worst = max((m.file_size / max(m.compress_size, 1) for m in members if m.file_size > 1024 * 1024), default=0)
        if total / packed > MAX_RATIO or worst > MAX_RATIO:
            raise UploadRejected(
                _("Excel文件压缩比异常（%(ratio)d倍），疑似压缩炸弹，已拒绝。") % {"ratio": max(total / packed, worst)}
            )
        names = {m.filename for m in members}
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            kind = "xlsx"
        elif "content.xml" in names and "mimetype" in names and _mimetype(archive) == ODS_MIMETYPE:
            kind = "ods"
        else:
            raise UploadRejected(_("文件不是有效的Excel（.xlsx）或ODS工作簿，请用Excel另存为.xlsx后上传。"))
    # The sizes above are what the archive declares. Every part is now decompressed here, counting the bytes it
    # really holds (never more than declared + 1 are inflated): a part that holds more than it declares would
    # otherwise slip past the guards and be inflated in full by the spreadsheet reader.
    with path.open("rb") as fh:
        for member in members:
            _check_member(fh, member)
    return kind


def _mimetype(archive: zipfile.ZipFile) -> bytes:
    info = archive.getinfo("mimetype")
    if info.file_size > 200:
        return b""
    return archive.read(info).strip()


# ---- compound (OLE2) files: old .xls -------------------------------------------------------------
_OLE_HEADER = struct.Struct("<8s16sHHHHH6sIIIIIIIII")  # [MS-CFB] 2.2, the first 76 bytes
_FREE, _END = 0xFFFFFFFF, 0xFFFFFFFE
_WORKBOOK_STREAMS = {"workbook", "book"}


def check_ole(path: Path) -> None:
    """A compound file is read only when it is an Excel workbook (a ``Workbook``/``Book`` stream in its
    directory); any other (a WPS .et file of its own format, a password-protected workbook, a Word file) is
    refused with what to do. Errors of a broken file are refusals too."""
    try:
        names = ole_stream_names(path)
    except UploadRejected:
        raise
    except Exception as exc:  # struct and OS errors of a truncated or garbled file
        logger.info("unreadable compound file %s: %r", path, exc)
        raise UploadRejected(
            _("文件已损坏，无法读取：请在Excel或WPS中打开并另存为“Excel 工作簿（*.xlsx）”后重新上传。")
        ) from exc
    lowered = {n.lower() for n in names}
    if lowered & _WORKBOOK_STREAMS:
        return
    if "encryptedpackage" in lowered or "encryptioninfo" in lowered:
        raise UploadRejected(_("Excel文件已加密（设置了打开密码），请取消密码后另存为.xlsx再上传。"))
    raise UploadRejected(
        _("文件不是Excel工作簿（如WPS表格的.et文件）：请在WPS或Excel中选择“文件→另存为”，"
          "保存类型选“Excel 工作簿（*.xlsx）”后重新上传。")
    )


def ole_stream_names(path: Path) -> list[str]:
    """The names in a compound file's directory ([MS-CFB]): header, FAT (through the DIFAT), directory chain.
    Every chain is bounded by the file's sector count, so a looping or garbled file cannot hang."""
    data = path.read_bytes()
    if len(data) < 512:
        raise _broken()
    (_sig, _clsid, _minor, _major, _order, shift, _mini, _res, _dir_count, fat_count, first_dir, _txn,
     _cutoff, _mini_start, _mini_count, difat_start, difat_count) = _OLE_HEADER.unpack_from(data, 0)
    if shift not in (9, 12):
        raise _broken()
    size = 1 << shift
    sectors = len(data) // size - 1  # sector n starts at (n + 1) * size: the header fills sector -1

    def sector(n: int) -> bytes:
        start = (n + 1) * size
        if n >= sectors or start + size > len(data):
            raise _broken()
        return data[start : start + size]

    fat_sectors = [n for n in struct.unpack_from("<109I", data, 76) if n not in (_FREE, _END)]
    next_difat, hops = difat_start, 0
    while next_difat not in (_FREE, _END) and hops < min(difat_count, sectors):
        entries = struct.unpack(f"<{size // 4}I", sector(next_difat))
        fat_sectors += [n for n in entries[:-1] if n not in (_FREE, _END)]
        next_difat, hops = entries[-1], hops + 1
    fat: list[int] = []
    for n in fat_sectors[: max(fat_count, 0) or len(fat_sectors)]:
        fat.extend(struct.unpack(f"<{size // 4}I", sector(n)))
    names: list[str] = []
    current, seen = first_dir, 0
    while current not in (_FREE, _END):
        if seen > sectors or current >= len(fat):
            raise _broken()
        block = sector(current)
        for offset in range(0, size, 128):
            length = struct.unpack_from("<H", block, offset + 64)[0]
            kind = block[offset + 66]
            if kind in (1, 2, 5) and 2 <= length <= 64:
                names.append(block[offset : offset + length - 2].decode("utf-16-le", errors="replace"))
        current, seen = fat[current], seen + 1
    return names


def _check_member(fh: BinaryIO, member: zipfile.ZipInfo) -> None:
    is_xml = member.filename.endswith((".xml", ".rels", ".vml"))
    keep_all = is_xml and member.file_size <= SMALL_XML
    kept: list[bytes] = []
    head = b""
    size = 0
    crc = 0
    for chunk in member_chunks(fh, member, limit=member.file_size):
        size += len(chunk)
        crc = zlib.crc32(chunk, crc)
        if size > member.file_size:
            raise UploadRejected(
                _("Excel文件中的“%(part)s”实际内容比声明的大，疑似压缩炸弹，已拒绝。请用Excel重新保存后上传。")
                % {"part": member.filename}
            )
        if keep_all:
            kept.append(chunk)
        elif is_xml and len(head) < PROLOG_LIMIT:
            head += chunk[: PROLOG_LIMIT - len(head)]
    if size != member.file_size or crc != member.CRC:
        raise UploadRejected(
            _("Excel文件中的“%(part)s”已损坏（内容不完整或校验失败），请在Excel中打开并另存为.xlsx后重新上传。")
            % {"part": member.filename}
        )
    if keep_all:
        _check_xml(member, b"".join(kept))
    elif is_xml and not _prolog_is_safe(head):
        raise _refused()


def member_chunks(fh: BinaryIO, member: zipfile.ZipInfo, *, limit: int) -> Iterator[bytes]:
    """A zip member's content, read from its local header and inflated here in chunks: stops once more than
    ``limit`` bytes came out, whatever the archive declares (the caller decides what that means)."""
    fh.seek(member.header_offset)
    local = fh.read(_LOCAL_HEADER.size)
    if len(local) < _LOCAL_HEADER.size:
        raise _broken()
    signature, _version, flags, method, _time, _date, crc, packed, size, name_len, extra_len = _LOCAL_HEADER.unpack(
        local
    )
    if signature != b"PK\x03\x04" or method != member.compress_type:
        raise _broken()
    if not flags & 0x08 and _ZIP64 not in (packed, size) and (crc, packed, size) != (
        member.CRC, member.compress_size, member.file_size
    ):
        # The local header and the central directory disagree: readers differ in which one they trust.
        raise UploadRejected(
            _("Excel文件中的“%(part)s”大小信息前后矛盾，文件已损坏或被篡改，已拒绝。请用Excel重新保存后上传。")
            % {"part": member.filename}
        )
    if member.flag_bits & 0x01:
        raise UploadRejected(_("Excel文件已加密（设置了打开密码），请取消密码后另存为.xlsx再上传。"))
    if member.compress_type == zipfile.ZIP_STORED:
        inflater = None
    elif member.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    else:
        raise UploadRejected(_("Excel文件使用了不支持的压缩方式，请用Excel重新保存为.xlsx后上传。"))
    fh.seek(member.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
    left = member.compress_size
    produced = 0
    while left > 0:
        raw = fh.read(min(_CHUNK, left))
        if not raw:
            raise _broken()  # truncated
        left -= len(raw)
        if inflater is None:
            produced += len(raw)
            yield raw
            if produced > limit:
                return
            continue
        while raw and not inflater.eof:
            out = inflater.decompress(raw, _CHUNK)
            raw = inflater.unconsumed_tail
            produced += len(out)
            yield out
            if produced > limit:
                return
    if inflater is not None:
        if not inflater.eof:
            raise _broken()  # the compressed stream stops short
        tail = inflater.flush()
        if tail:
            yield tail


def _refused() -> UploadRejected:
    return UploadRejected(_("Excel文件包含不允许的XML声明（DTD/实体），已拒绝。请用Excel重新保存后上传。"))


def _check_xml(member: zipfile.ZipInfo, data: bytes) -> None:
    try:
        SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise _refused() from exc
    except SafeET.ParseError as exc:
        raise UploadRejected(
            _("Excel文件中的“%(part)s”已损坏，请重新保存后上传。") % {"part": member.filename}
        ) from exc


def _prolog_is_safe(head: bytes) -> bool:
    """A DTD can only appear before the root element: walk the prolog (declaration, PIs, comments) and
    accept when the root start tag is reached without a ``<!DOCTYPE``/``<!ENTITY``."""
    pos = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    size = len(head)
    while pos < size:
        while pos < size and head[pos] in b" \t\r\n":
            pos += 1
        if head.startswith(b"<?", pos):
            end = head.find(b"?>", pos)
            if end < 0:
                return False
            pos = end + 2
        elif head.startswith(b"<!--", pos):
            end = head.find(b"-->", pos)
            if end < 0:
                return False
            pos = end + 3
        else:
            return bool(_NAME_START.match(head, pos))
    return False
