"""A ctypes binding of WeCom's Finance SDK (libWeWorkFinanceSdk_C.so), the only way to read 会话内容存档.

The library is Tencent's, distributed with the msgaudit documentation (path/91774) under terms that do
not clearly allow redistribution, so siyu-bot does not ship it: operators point SIYU_MSGAUDIT_SDK at
their own copy. The C API used:

    WeWorkFinanceSdk_t* NewSdk();
    int  Init(WeWorkFinanceSdk_t*, const char* corpid, const char* secret);
    int  GetChatData(WeWorkFinanceSdk_t*, unsigned long long seq, unsigned int limit,
                     const char* proxy, const char* passwd, int timeout, Slice_t* out);
    int  DecryptData(const char* encrypt_key, const char* encrypt_msg, Slice_t* out);
    Slice_t* NewSlice();  void FreeSlice(Slice_t*);
    char* GetContentFromSlice(Slice_t*);  int GetSliceLen(Slice_t*);
    void DestroySdk(WeWorkFinanceSdk_t*);

Every call blocks (GetChatData goes to WeCom's servers): callers run them in a worker thread.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

SYMBOLS = ("NewSdk", "Init", "GetChatData", "DecryptData", "NewSlice", "FreeSlice", "GetContentFromSlice",
           "GetSliceLen", "DestroySdk")
ERRORS = {
    10000: "参数错误 (bad parameters)",
    10001: "网络错误 (network error)",
    10002: "数据解析失败 (could not parse data)",
    10003: "系统失败 (system failure)",
    10004: "密钥错误导致加密失败 (key error)",
    10005: "fileid错误 (bad fileid)",
    10006: "解密失败 (decryption failed)",
    10007: "找不到消息加密版本的私钥 (no private key for the message's version)",
    10008: "解析encrypt_key出错 (bad encrypt_key)",
    10009: "ip非法 (IP not allowed)",
    10010: "数据过期 (data expired)",
    10011: "证书错误 (certificate error)",
}


class FinanceSdkError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"Finance SDK error {code}: {message}" if code else message)
        self.code = code


class _Slice(ctypes.Structure):
    _fields_ = [("buf", ctypes.POINTER(ctypes.c_char)), ("len", ctypes.c_int)]


def load_library(path: str | Path) -> ctypes.CDLL:
    """Load the operator's SDK and declare its functions; clear errors for a wrong or missing file."""
    where = Path(path).expanduser()
    if not where.is_file():
        raise FinanceSdkError(0, f"{where} 没有企业微信会话存档 SDK（SIYU_MSGAUDIT_SDK）：请从企业微信“会话内容存档”"
                                 "的文档下载 libWeWorkFinanceSdk_C.so")
    try:
        library = ctypes.CDLL(str(where))
    except OSError as error:
        raise FinanceSdkError(0, f"加载不了企业微信会话存档 SDK {where}：{error}") from error
    missing = [name for name in SYMBOLS if not hasattr(library, name)]
    if missing:
        raise FinanceSdkError(0, f"{where} 不是企业微信会话存档 SDK：缺少 {', '.join(missing)}")
    sdk_p, slice_p = ctypes.c_void_p, ctypes.POINTER(_Slice)
    library.NewSdk.argtypes, library.NewSdk.restype = [], sdk_p
    library.Init.argtypes, library.Init.restype = [sdk_p, ctypes.c_char_p, ctypes.c_char_p], ctypes.c_int
    library.GetChatData.argtypes = [sdk_p, ctypes.c_ulonglong, ctypes.c_uint, ctypes.c_char_p, ctypes.c_char_p,
                                    ctypes.c_int, slice_p]
    library.GetChatData.restype = ctypes.c_int
    library.DecryptData.argtypes = [ctypes.c_char_p, ctypes.c_char_p, slice_p]
    library.DecryptData.restype = ctypes.c_int
    library.NewSlice.argtypes, library.NewSlice.restype = [], slice_p
    library.FreeSlice.argtypes, library.FreeSlice.restype = [slice_p], None
    library.GetContentFromSlice.argtypes = [slice_p]
    library.GetContentFromSlice.restype = ctypes.POINTER(ctypes.c_char)
    library.GetSliceLen.argtypes, library.GetSliceLen.restype = [slice_p], ctypes.c_int
    library.DestroySdk.argtypes, library.DestroySdk.restype = [sdk_p], None
    return library


class FinanceSdk:
    """One initialised SDK handle. Thread-safe: calls are serialised."""

    def __init__(self, library_path: str | Path, corp_id: str, secret: str, *, proxy: str = "",
                 proxy_password: str = "", timeout_s: int = 10) -> None:
        self._lib = load_library(library_path)
        self._lock = threading.Lock()
        self._proxy = proxy.encode() or None
        self._passwd = proxy_password.encode() or None
        self._timeout = timeout_s
        self._sdk = self._lib.NewSdk()
        if not self._sdk:
            raise FinanceSdkError(0, "NewSdk returned nothing")
        code = self._lib.Init(self._sdk, corp_id.encode(), secret.encode())
        if code != 0:
            self.close()
            raise FinanceSdkError(code, ERRORS.get(code, "Init failed (check the corp id and the 会话存档 secret)"))

    def get_chat_data(self, seq: int, limit: int) -> str:
        """The JSON answer of GetChatData: {"errcode", "errmsg", "chatdata": [...]} after seq."""
        return self._with_slice(lambda out: self._lib.GetChatData(
            self._sdk, seq, limit, self._proxy, self._passwd, self._timeout, out))

    def decrypt_data(self, random_key: str, encrypted: str) -> str:
        return self._with_slice(lambda out: self._lib.DecryptData(random_key.encode(), encrypted.encode(), out))

    def _with_slice(self, call: Callable[[Any], int]) -> str:
        with self._lock:
            out = self._lib.NewSlice()
            try:
                code = call(out)
                if code != 0:
                    raise FinanceSdkError(int(code), ERRORS.get(int(code), "unknown error"))
                size = self._lib.GetSliceLen(out)
                data = ctypes.string_at(self._lib.GetContentFromSlice(out), size) if size > 0 else b""
                return data.decode("utf-8", errors="replace")
            finally:
                self._lib.FreeSlice(out)

    def close(self) -> None:
        if self._sdk:
            self._lib.DestroySdk(self._sdk)
            self._sdk = None
