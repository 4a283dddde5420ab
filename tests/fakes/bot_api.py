"""A local Telegram Bot API server, for driving the real python-telegram-bot in tests.

Standard library only. It speaks the wire protocol PTB uses: POST /bot<token>/<method> with
form-urlencoded fields (non-string values JSON-encoded), or multipart/form-data for uploads;
answers {"ok": true, "result": ...} or Telegram's error shape. Tests queue updates and read
what the bot did:

    with FakeBotApi(token=TOKEN) as api:
        app = Application.builder().token(TOKEN).base_url(f"{api.url}/bot").build()
        api.push_message(42, "/ping")
        api.wait_for(lambda call: call.method == "sendMessage")  # via asyncio.to_thread

HTML (parse_mode="HTML") is checked like Telegram checks it and stripped to the text the user
sees; Markdown is stored as sent. Photos must be PNG or JPEG.
"""

from __future__ import annotations

import collections
import copy
import html
import itertools
import json
import math
import mimetypes
import re
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import Parser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, unquote, urlsplit

JSON = dict[str, Any]
Key = tuple[int, int]  # (chat_id, message_id)
MAX_POLL_SECONDS = 2.0
SENDS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
EDITS = frozenset({"editMessageText", "editMessageReplyMarkup"})
SHOWN = SENDS | {"editMessageText"}
TO_CHAT = SENDS | EDITS | {"sendChatAction"}
# Fields Telegram reads as plain strings: never JSON-decoded, even when they look like numbers.
TEXT_FIELDS = frozenset(
    "text caption parse_mode callback_query_id url secret_token language_code action "  # noqa: SIM905
    "inline_message_id business_connection_id message_effect_id title description "
    "short_description name question emoji performer".split()
)
HTML_TAGS = frozenset(
    "b strong i em u ins s strike del span tg-spoiler a code pre blockquote tg-emoji".split()  # noqa: SIM905
)
HTML_TAG = re.compile(r"<(/?)([A-Za-z][\w-]*)[^>]*>")
COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?!\w)")
BLOCKED = "Forbidden: bot was blocked by the user"


class Refusal(Exception):
    """An error answer in Telegram's shape."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after

    def body(self) -> JSON:
        answer = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            answer["parameters"] = {"retry_after": self.retry_after}
        return answer


def too_many(retry_after: int) -> Refusal:
    return Refusal(429, f"Too Many Requests: retry after {retry_after}", retry_after)


def bad(reason: str) -> Refusal:
    return Refusal(400, f"Bad Request: {reason}")


def unparsable(reason: str) -> Refusal:
    return bad(f"can't parse entities: {reason}")


@dataclass(frozen=True)
class Call:
    """One request the fake answered."""

    method: str
    params: JSON
    files: dict[str, bytes]
    at: float  # time.monotonic() on arrival
    status: int
    result: Any = None  # what a successful call answered (a sent Message, say)

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class _Fault:
    method: str
    status: int
    retry_after: int
    times: int
    description: str | None


@dataclass
class _Upload:
    data: bytes
    filename: str = ""


@dataclass
class _Limits:
    per_chat_interval: float
    global_per_second: int
    recent: collections.deque[float] = field(default_factory=collections.deque)
    last: dict[int, float] = field(default_factory=dict)

    def wait(self, chat_id: int, now: float) -> float:
        """Seconds until this chat may be sent to; 0 records the send."""
        while self.recent and now - self.recent[0] >= 1.0:
            self.recent.popleft()
        wait = 0.0
        if len(self.recent) >= self.global_per_second:
            wait = 1.0 - (now - self.recent[0])
        if chat_id in self.last:
            wait = max(wait, self.per_chat_interval - (now - self.last[chat_id]))
        if wait <= 0:
            self.recent.append(now)
            self.last[chat_id] = now
        return max(wait, 0.0)


BOT_TOKEN = "123456789:AAH-semaforo-test-token-0123456789"
"""A token shaped like BotFather's, for tests that run the service's own settings checks."""


class FakeBotApi:
    """The Bot API on 127.0.0.1 (`port`, or a free one), in a background thread; a context
    manager."""

    def __init__(
        self,
        token: str = "123:ABC",
        bot_username: str = "semaforo_test_bot",
        *,
        enforce_limits: bool = False,
        per_chat_interval: float = 1.0,
        global_per_second: int = 30,
        strict_chats: bool = False,
        port: int = 0,
    ) -> None:
        self.token, self.bot_username, self.port = token, bot_username, port
        self.bot_id = int(token.partition(":")[0])
        self.calls: list[Call] = []
        self.files: dict[str, bytes] = {}  # file_id -> content
        self.blocked: set[int] = set()
        self.known_chats: set[int] = set()  # with strict_chats, sends elsewhere: chat not found
        self.strict_chats = strict_chats
        self.too_many_requests = 0
        self.webhook_url = ""
        self._limits = _Limits(per_chat_interval, global_per_second) if enforce_limits else None
        self._updates: list[JSON] = []  # queued, not yet confirmed by an offset
        self._messages: dict[Key, JSON] = {}
        self._sources: dict[Key, tuple[Any, Any]] = {}  # raw text and markup, for "not modified"
        self._chats: dict[int, JSON] = {}
        self._last_ids: collections.Counter[int] = collections.Counter()
        self._callback_ids: set[str] = set()
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._faults: list[_Fault] = []
        self._hold: Callable[[str, JSON], bool] | None = None
        self._held = 0
        self._polling = 0  # long polls waiting for an update
        self._gate = threading.Event()
        self._update_ids = itertools.count(1)
        self._serials = itertools.count(1)
        self._cond = threading.Condition()
        self._closing = False
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        # Telegram's method names are case-insensitive: lower case -> the canonical spelling.
        self._methods = {n[4:].lower(): n[4:] for n in dir(self) if n.startswith("_do_")}

    # Lifecycle

    def start(self) -> Self:
        self._closing = False
        self._server = _Server(("127.0.0.1", self.port), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._closing = True  # long polls answer now
            self._cond.notify_all()
        self._gate.set()  # held requests answer now
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()  # joins the request threads
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL to use instead of https://api.telegram.org."""
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # Test side: updates

    def push_message(
        self,
        user_id: int,
        text: str,
        *,
        username: str | None = None,
        first_name: str = "Ana",
        chat_id: int | None = None,
        chat_type: str | None = None,
    ) -> int:
        """Queue a message from a user (a command gets its bot_command entity); its update_id.

        A negative `chat_id` is a group unless `chat_type` says otherwise (`supergroup`,
        `channel`: then it is a channel post, with no sender, as Telegram sends those)."""
        user = _user(user_id, first_name, username)
        with self._cond:
            chat = self._chat_for(chat_id or user_id, user, chat_type)
            message = self._record(chat, user, text=text)
            if command := COMMAND.match(text):
                message["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": command.end()}
                ]
            if chat["type"] == "channel":
                message.pop("from", None)
                return self._push({"channel_post": message})
            return self._push({"message": message})

    def push_callback(
        self,
        user_id: int,
        data: str,
        *,
        message_id: int,
        chat_id: int | None = None,
        username: str | None = None,
        first_name: str = "Ana",
    ) -> int:
        """Queue a button press on the bot's message `message_id`; its update_id."""
        with self._cond:
            message = self._messages[chat_id or user_id, message_id]
            query_id = str(4_000_000_000 + next(self._serials))
            self._callback_ids.add(query_id)
            query = {
                "id": query_id,
                "from": _user(user_id, first_name, username),
                "message": message,
                "chat_instance": str(-abs(chat_id or user_id)),
                "data": data,
            }
            return self._push({"callback_query": query})

    def _push(self, payload: JSON) -> int:
        update_id = next(self._update_ids)
        self._updates.append(copy.deepcopy({"update_id": update_id, **payload}))
        self._cond.notify_all()
        return update_id

    def wait_polling(self, timeout: float = 10.0) -> None:
        """Block until a long poll is waiting inside the server for an update."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._polling > 0, timeout):
                raise AssertionError(f"no long poll arrived within {timeout} s")

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Block until every queued update was confirmed by a later getUpdates offset."""
        with self._cond:
            if not self._cond.wait_for(lambda: not self._updates, timeout):
                raise AssertionError(f"updates never confirmed: {self._updates}")

    # Test side: inspection and faults

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Successful sends and text edits, optionally to one chat."""
        with self._cond:
            return [
                call
                for call in self.calls
                if call.method in SHOWN
                and call.ok
                and (chat_id is None or call.params.get("chat_id") == chat_id)
            ]

    def wait_for(self, predicate: Callable[[Call], bool], timeout: float = 10.0) -> Call:
        """The first recorded call matching; from async code run it in asyncio.to_thread."""
        with self._cond:
            if self._cond.wait_for(lambda: any(map(predicate, self.calls)), timeout):
                return next(call for call in self.calls if predicate(call))
            seen = "\n".join(f"  {c.method} {c.status} {c.params}" for c in self.calls[-40:])
            raise AssertionError(f"no matching call within {timeout}s; recorded:\n{seen}")

    def message(self, chat_id: int, message_id: int) -> JSON:
        """The message as the user now sees it (after edits)."""
        with self._cond:
            return copy.deepcopy(self._messages[chat_id, message_id])

    def commands(self, *, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """The command list last set for this scope and language."""
        with self._cond:
            return copy.deepcopy(self._commands.get(_scope_key(scope, language_code), []))

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """The next `times` calls of `method` answer `status` in Telegram's error shape."""
        with self._cond:
            self._faults.append(_Fault(method.lower(), status, retry_after, times, description))

    def hold(self, predicate: Callable[[str, JSON], bool]) -> None:
        """Requests for which `predicate(method, params)` is true wait, unanswered, until
        `release()`: a test can act while a send is in flight, whatever the machine's speed."""
        with self._cond:
            self._hold, self._held = predicate, 0
            self._gate.clear()

    def wait_held(self, timeout: float = 10.0) -> None:
        """Wait until at least one request is being held."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._held > 0, timeout):
                raise AssertionError(f"no request was held within {timeout} s")

    def release(self) -> None:
        """Answer the held requests and hold no more."""
        with self._cond:
            self._hold = None
        self._gate.set()

    def _wait_if_held(self, method: str, params: JSON) -> None:
        with self._cond:
            if self._hold is None or not self._hold(method, params):
                return
            self._held += 1
            self._cond.notify_all()
        self._gate.wait()

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: every send to this chat answers 403."""
        with self._cond:
            self.blocked.add(chat_id)

    # Dispatch (request threads)

    def handle(self, path: str, content_type: str, body: bytes) -> tuple[int, JSON]:
        """One request: its status and JSON answer; recorded in `calls`."""
        arrived, parts = time.monotonic(), urlsplit(path)
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", unquote(parts.path))
        method = self._methods.get(match[2].lower(), match[2]) if match else parts.path
        params: JSON = {}
        files: dict[str, _Upload] = {}
        try:
            params, files = _parse(parts.query, content_type, body)
            if match is None:
                raise Refusal(404, "Not Found")
            if match[1] != self.token:
                raise Refusal(401, "Unauthorized")
            self._wait_if_held(method, params)
            status, answer = 200, {"ok": True, "result": self._answer(method, params, files)}
        except Refusal as refusal:
            status, answer = refusal.status, refusal.body()
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            status, answer = 400, bad(f"{type(error).__name__}: {error}").body()
        with self._cond:
            raw = {name: upload.data for name, upload in files.items()}
            result = answer.get("result") if status == 200 else None
            self.calls.append(Call(method, params, raw, arrived, status, result))
            self._cond.notify_all()
        return status, answer

    def _answer(self, method: str, params: JSON, files: dict[str, _Upload]) -> Any:
        if method not in self._methods.values():
            raise Refusal(404, "Not Found: method not found")
        with self._cond:
            self._check_faults(method)
            if method in TO_CHAT and "chat_id" in params:
                self._check_chat(method, params["chat_id"])
            return getattr(self, f"_do_{method}")(params, files)

    def _check_faults(self, method: str) -> None:
        fault = next((f for f in self._faults if f.method == method.lower() and f.times > 0), None)
        if fault is None:
            return
        fault.times -= 1
        if fault.status == 429:
            raise too_many(fault.retry_after)
        default = BLOCKED if fault.status == 403 else HTTPStatus(fault.status).phrase
        raise Refusal(fault.status, fault.description or default)

    def _check_chat(self, method: str, chat_id: Any) -> None:
        if not isinstance(chat_id, int) or (self.strict_chats and chat_id not in self.known_chats):
            raise bad("chat not found")
        if chat_id in self.blocked:
            raise Refusal(403, BLOCKED)
        if self._limits and method in SENDS | EDITS:
            wait = self._limits.wait(chat_id, time.monotonic())
            if wait:
                self.too_many_requests += 1
                raise too_many(max(1, math.ceil(wait)))

    # Methods (called with the lock held)

    def _do_getMe(self, params: JSON, files: Any) -> JSON:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _do_logOut(self, params: JSON, files: Any) -> bool:
        return True

    _do_close = _do_sendChatAction = _do_logOut

    def _do_setWebhook(self, params: JSON, files: Any) -> bool:
        if not str(params.get("url", "")).startswith("https://"):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook_url = params["url"]
        return self._drop_if_asked(params)

    def _do_deleteWebhook(self, params: JSON, files: Any) -> bool:
        self.webhook_url = ""
        return self._drop_if_asked(params)

    def _drop_if_asked(self, params: JSON) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
            self._cond.notify_all()
        return True

    def _do_getWebhookInfo(self, params: JSON, files: Any) -> JSON:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _do_setMyCommands(self, params: JSON, files: Any) -> bool:
        commands = params["commands"]
        for entry in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", entry.get("command", "")):
                raise bad("BOT_COMMAND_INVALID")
        self._commands[_scope_key(params.get("scope"), params.get("language_code"))] = commands
        return True

    def _do_getMyCommands(self, params: JSON, files: Any) -> list[JSON]:
        key = _scope_key(params.get("scope"), params.get("language_code"))
        return copy.deepcopy(self._commands.get(key, []))

    def _do_deleteMyCommands(self, params: JSON, files: Any) -> bool:
        self._commands.pop(_scope_key(params.get("scope"), params.get("language_code")), None)
        return True

    def _do_getUpdates(self, params: JSON, files: Any) -> list[JSON]:
        if self.webhook_url:
            raise Refusal(409, "Conflict: can't use getUpdates method while webhook is active")
        offset, limit = int(params.get("offset", 0)), int(params.get("limit", 100))
        if offset < 0:
            self._updates = self._updates[offset:]
        elif offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        self._cond.notify_all()  # wait_idle
        timeout = min(float(params.get("timeout", 0)), MAX_POLL_SECONDS)
        self._polling += 1
        self._cond.notify_all()  # wait_polling
        try:
            self._cond.wait_for(lambda: self._closing or bool(self._updates), timeout)
        finally:
            self._polling -= 1
        return self._updates[: max(1, min(limit, 100))]

    def _do_sendMessage(self, params: JSON, files: Any) -> JSON:
        text = _visible(params, "text", 4096)
        if not text.strip():
            raise bad("message text is empty")
        return self._send(params, params["text"], text=text)

    def _do_sendPhoto(self, params: JSON, files: dict[str, _Upload]) -> JSON:
        upload = self._upload(params, files, "photo")
        size = _image_size(upload.data)
        if size is None:
            raise bad("IMAGE_PROCESS_FAILED")
        photo = {**self._store(upload.data), "width": size[0], "height": size[1]}
        return self._send(params, params.get("caption"), photo=[photo], **_caption(params))

    def _do_sendDocument(self, params: JSON, files: dict[str, _Upload]) -> JSON:
        upload = self._upload(params, files, "document")
        if not upload.data:
            raise bad("file must be non-empty")
        document = self._store(upload.data)
        if upload.filename:
            mime = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
            document |= {"file_name": upload.filename, "mime_type": mime}
        return self._send(params, params.get("caption"), document=document, **_caption(params))

    def _do_editMessageText(self, params: JSON, files: Any) -> JSON:
        key, message = self._editable(params)
        if "text" not in message:
            raise bad("there is no text in the message to edit")
        text, markup = _visible(params, "text", 4096), _inline_markup(params)
        self._apply_edit(key, message, (params["text"], markup))
        message["text"] = text
        return copy.deepcopy(message)

    def _do_editMessageReplyMarkup(self, params: JSON, files: Any) -> JSON:
        key, message = self._editable(params)
        self._apply_edit(key, message, (self._sources[key][0], _inline_markup(params)))
        return copy.deepcopy(message)

    def _do_answerCallbackQuery(self, params: JSON, files: Any) -> bool:
        query_id = str(params.get("callback_query_id"))
        if query_id not in self._callback_ids:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        self._callback_ids.discard(query_id)
        return True

    # Messages

    def _bot_user(self) -> JSON:
        return _user(self.bot_id, "Semáforo", self.bot_username, is_bot=True)

    def _chat_for(self, chat_id: int, user: JSON | None = None, kind: str | None = None) -> JSON:
        if chat_id not in self._chats:
            chat: JSON = {"id": chat_id, "type": kind or ("private" if chat_id > 0 else "group")}
            if chat["type"] != "private":
                chat["title"] = "Grupo de prueba"
            if user and chat_id > 0:
                chat |= {k: v for k, v in user.items() if k in ("first_name", "username")}
            self._chats[chat_id] = chat
            self.known_chats.add(chat_id)
        return self._chats[chat_id]

    def _record(self, chat: JSON, sender: JSON, **content: Any) -> JSON:
        self._last_ids[chat["id"]] += 1
        message_id = self._last_ids[chat["id"]]
        message = {"message_id": message_id, "from": sender, "chat": chat, "date": int(time.time())}
        self._messages[chat["id"], message_id] = message = {**message, **content}
        return message

    def _send(self, params: JSON, source: Any, **content: Any) -> JSON:
        markup = _inline_markup(params)
        if markup:
            content["reply_markup"] = markup
        message = self._record(self._chat_for(params["chat_id"]), self._bot_user(), **content)
        self._sources[params["chat_id"], message["message_id"]] = (source, markup)
        return copy.deepcopy(message)

    def _editable(self, params: JSON) -> tuple[Key, JSON]:
        if "inline_message_id" in params:
            raise bad("inline messages are not supported by this fake")
        key = (params["chat_id"], int(params["message_id"]))
        if key not in self._messages:
            raise bad("message to edit not found")
        if key not in self._sources:
            raise bad("message can't be edited")
        return key, self._messages[key]

    def _apply_edit(self, key: Key, message: JSON, source: tuple[Any, Any]) -> None:
        if source == self._sources[key]:
            raise bad(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        self._sources[key] = source
        message.pop("reply_markup", None)
        if source[1]:
            message["reply_markup"] = source[1]
        message["edit_date"] = int(time.time())

    def _upload(self, params: JSON, files: dict[str, _Upload], name: str) -> _Upload:
        value = params.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            name = value.removeprefix("attach://")
        if name in files:
            return files[name]
        if isinstance(value, str) and value in self.files:
            return _Upload(self.files[value])
        if value is None:
            raise bad(f"there is no {name} in the request")
        raise bad("wrong file identifier/HTTP URL specified")

    def _store(self, data: bytes) -> JSON:
        serial = next(self._serials)
        file_id = f"BQACAgEAAx0Fake{serial:08d}"
        self.files[file_id] = data
        return {"file_id": file_id, "file_unique_id": f"AgAD{serial:06d}", "file_size": len(data)}


# --- Helpers ----------------------------------------------------------------------------------


def _user(user_id: int, first_name: str, username: str | None, *, is_bot: bool = False) -> JSON:
    user: JSON = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
    if username:
        user["username"] = username
    if not is_bot:
        user["language_code"] = "es"
    return user


def _scope_key(scope: Any, language_code: Any) -> tuple[str, str]:
    return json.dumps(scope or {"type": "default"}, sort_keys=True), str(language_code or "")


def _caption(params: JSON) -> JSON:
    caption = _visible(params, "caption", 1024) if params.get("caption") else ""
    return {"caption": caption} if caption else {}


def _visible(params: JSON, name: str, limit: int) -> str:
    """The text the user sees: HTML checked and stripped; 400 when too long."""
    raw = str(params.get(name, ""))
    text = _strip_html(raw) if str(params.get("parse_mode", "")).lower() == "html" else raw
    if len(text.encode("utf-16-le")) // 2 > limit:  # Telegram counts UTF-16 units
        raise bad("message is too long" if name == "text" else "message caption is too long")
    return text


def _inline_markup(params: JSON) -> JSON | None:
    """An inline keyboard (the only markup a message carries back); 400 for oversized data."""
    markup = params.get("reply_markup")
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    for button in itertools.chain.from_iterable(markup["inline_keyboard"]):
        if len(button.get("callback_data", "").encode()) > 64:
            raise bad("BUTTON_DATA_INVALID")
    return markup


def _strip_html(source: str) -> str:
    """Telegram's HTML subset as the user sees it; 400 for unknown or unbalanced tags."""
    open_tags: list[str] = []
    for tag in HTML_TAG.finditer(source):
        closing, name, at = bool(tag[1]), tag[2].lower(), len(source[: tag.start()].encode())
        if name not in HTML_TAGS:
            kind = "end" if closing else "start"
            raise unparsable(f'Unsupported {kind} tag "{name}" at byte offset {at}')
        if not closing:
            open_tags.append(name)
        elif (expected := open_tags.pop() if open_tags else "") != name:
            raise unparsable(
                f"Unmatched end tag at byte offset {at}, "
                f'expected "</{expected}>", found "</{name}>"'
            )
    if open_tags:
        raise unparsable(f'Can\'t find end tag corresponding to start tag "{open_tags[-1]}"')
    return html.unescape(HTML_TAG.sub("", source))


def _image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG or JPEG; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    i = 2 if data.startswith(b"\xff\xd8") else len(data)
    while i + 9 <= len(data) and data[i] == 0xFF:
        marker, length = data[i + 1], int.from_bytes(data[i + 2 : i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None


def _decode(name: str, value: str) -> Any:
    """A form field as Telegram reads it: non-strings arrive JSON-encoded."""
    if name in TEXT_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _parse(query: str, content_type: str, body: bytes) -> tuple[JSON, dict[str, _Upload]]:
    """Parameters from the query string and a form, multipart or JSON body; and the files."""
    params, files = _form(query), dict[str, _Upload]()
    kind = content_type.partition(";")[0].strip().lower()
    if kind == "application/json" and body:
        fields = json.loads(body)
        params |= {k: _decode(k, v) if isinstance(v, str) else v for k, v in fields.items()}
    elif kind == "application/x-www-form-urlencoded":
        params |= _form(body.decode())
    elif kind == "multipart/form-data":
        fields, files = _multipart(content_type, body)
        params |= {name: _decode(name, value) for name, value in fields.items()}
    return params, files


def _form(encoded: str) -> JSON:
    return {k: _decode(k, v) for k, v in parse_qsl(encoded, keep_blank_values=True)}


def _multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, _Upload]]:
    boundary = Parser().parsestr(f"Content-Type: {content_type}\n\n").get_boundary()
    if not boundary:
        raise ValueError("multipart body without a boundary")
    fields: dict[str, str] = {}
    files: dict[str, _Upload] = {}
    for part in (b"\r\n" + body).split(b"\r\n--" + boundary.encode())[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.partition(b"\r\n\r\n")
        headers = Parser().parsestr(head.decode().strip() + "\n\n")
        name = str(headers.get_param("name", header="content-disposition"))
        filename = headers.get_filename()
        if filename is None:
            fields[name] = content.decode()
        else:
            files[name] = _Upload(content, filename)
    return fields, files


class _Server(ThreadingHTTPServer):
    fake: FakeBotApi
    daemon_threads = False  # server_close() joins them: no stray threads
    block_on_close = True
    request_queue_size = 256  # a fan-out opens many connections at once; 5 drops some


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 10  # a silent client cannot hold a thread (and stop()) for long

    def do_GET(self) -> None:
        status, answer = self.server.fake.handle(
            self.path,
            self.headers.get("Content-Type", ""),
            self.rfile.read(int(self.headers.get("Content-Length") or 0)),
        )
        data = json.dumps(answer).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a cancelled long poll): nobody is listening

    do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass
