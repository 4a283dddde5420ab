"""gspread's HTTP client, made fit for a service: another base URL, a timeout, bounded retries.

gspread's own `BackOffHTTPClient` retries without end and is documented as not production
ready; this one retries a few times, counts every request it sends and says in Spanish why it
gave up (`describe_failure`).
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable, Mapping, MutableMapping
from datetime import UTC, datetime
from typing import Any

import requests
from google.auth.credentials import Credentials
from google.auth.exceptions import RefreshError, TransportError
from gspread.exceptions import APIError
from gspread.http_client import FileType, HTTPClient, ParamsType

_log = logging.getLogger(__name__)

GOOGLE_API_URL = "https://sheets.googleapis.com"
RETRIED_STATUSES = frozenset({408, 429})
MAX_WAIT = 120.0
"""Seconds; a Retry-After asking for longer is not worth holding a sync for: give up instead."""


class RetryingHTTPClient(HTTPClient):
    """An `HTTPClient` that talks to `api_url` and retries 408, 429, 5xx and lost connections."""

    def __init__(
        self,
        auth: Credentials,
        *,
        api_url: str = GOOGLE_API_URL,
        timeout: float = 30.0,
        max_retries: int = 4,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(auth)
        self.set_timeout(timeout)
        self.api_url = api_url.rstrip("/")
        self.max_retries = max_retries
        self.backoff = backoff
        self.sleep = sleep
        self.requests = 0
        """Every HTTP request sent to the Sheets API so far, retries included."""
        self.retries = 0
        """Retries of the last request; a failure message reports them."""

    def request(
        self,
        method: str,
        endpoint: str,
        params: ParamsType | None = None,
        data: bytes | None = None,
        json: Mapping[str, Any] | None = None,
        files: FileType = None,
        headers: MutableMapping[str, str] | None = None,
    ) -> requests.Response:
        if endpoint.startswith(GOOGLE_API_URL):
            endpoint = self.api_url + endpoint[len(GOOGLE_API_URL) :]
        self.retries = 0
        while True:
            self.requests += 1
            try:
                return super().request(method, endpoint, params, data, json, files, headers)
            except APIError as error:
                wait = self._wait_after(error.response)
                if wait is None:
                    raise
                failure = str(error.response.status_code)
            except (requests.ConnectionError, requests.Timeout, TransportError) as error:
                if self.retries >= self.max_retries:
                    raise
                wait = self.backoff * 2**self.retries
                failure = type(error).__name__
            _log.info(  # a retry; the outcome is said once, by whoever asked
                "Google Sheets: %s on %s %s; retrying in %.1f s", failure, method, endpoint, wait
            )
            self.sleep(wait)
            self.retries += 1

    def _wait_after(self, response: requests.Response) -> float | None:
        """Seconds to wait before retrying this failed response, or None to give up."""
        status = response.status_code
        if status not in RETRIED_STATUSES and status < 500:
            return None
        if self.retries >= self.max_retries:
            return None
        wait = max(self.backoff * 2**self.retries, retry_after(response) or 0.0)
        return wait if wait <= MAX_WAIT else None


def retry_after(response: requests.Response) -> float | None:
    """The Retry-After header in seconds (it may be a number or an HTTP date), if any."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def describe_failure(
    error: Exception, *, spreadsheet_id: str, account: str, client: RetryingHTTPClient
) -> str:
    """What went wrong talking to Google Sheets, in a person's words (Spanish)."""
    tries = f"tras {client.retries} reintentos" if client.retries else "sin reintentos"
    if isinstance(error, APIError):
        status = error.response.status_code
        detail = str(error.error.get("message", "")).strip() or error.response.reason
        if status == 404:
            return (
                f"la hoja de cálculo {spreadsheet_id} no existe o no está compartida con la "
                f"cuenta de servicio {account}"
            )
        if status == 403:
            return (
                f"la cuenta de servicio {account} no tiene permiso sobre la hoja de cálculo "
                f"{spreadsheet_id}: compártela con esa cuenta ({detail})"
            )
        if status == 401:
            return f"Google rechazó las credenciales de la cuenta de servicio {account}"
        if status == 429:
            return (
                f"Google Sheets rechazó la petición por cuota excedida (429) {tries}; "
                "vuelva a intentarlo en unos minutos"
            )
        if status >= 500 or status == 408:
            return f"Google Sheets falló con un error del servidor ({status}) {tries}"
        return f"Google Sheets rechazó la petición ({status}): {detail}"
    if isinstance(error, requests.Timeout):
        return f"Google Sheets no respondió en {client.timeout} s ({tries})"
    if isinstance(error, RefreshError):
        return f"no se pudo obtener un token de acceso para la cuenta de servicio {account}"
    if isinstance(error, TransportError):  # raised by google-auth: the token endpoint, not Sheets
        return (
            f"no se pudo conectar con el servicio de tokens de Google para la cuenta de servicio "
            f"{account} ({tries}); Google Sheets ni siquiera se consultó"
        )
    return f"no se pudo conectar con Google Sheets en {client.api_url} ({tries})"
