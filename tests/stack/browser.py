"""A minimal HTTP client for talking to a production-configured process over plain HTTP.

Production marks its cookies Secure, which cookie jars will not send over http://, so this
keeps the cookies itself and says it came through an HTTPS proxy (X-Forwarded-Proto). Like a
load balancer, it sends the same public host name to every process, whatever its port:
allauth's failed sign-in limit is keyed by site (the host) and address."""

import http.client
import re
import uuid
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Response:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes):
        self.status = status
        self.headers = headers
        self.text = body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        return urlsplit(self.headers.get("Location", "")).path

    def csrf_token(self) -> str:
        match = CSRF_INPUT.search(self.text)
        assert match, f"No CSRF token in the page (status {self.status})"
        return match.group(1)


class Browser:
    def __init__(self, port: int, *, host: str = "127.0.0.1", timeout: float = 30):
        self.port = port
        self.host = host
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, body: bytes = b"", headers=None) -> Response:
        all_headers = {
            "Host": self.host,
            "X-Forwarded-Proto": "https",
            **(headers or {}),
        }
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body or None, headers=all_headers)
            answer = connection.getresponse()
            response = Response(answer.status, answer.headers, answer.read())
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post_form(self, path: str, data: dict, *, csrf_from: Response) -> Response:
        body = urlencode({**data, "csrfmiddlewaretoken": csrf_from.csrf_token()}).encode()
        return self.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                # A secure request needs a same-origin Origin (or Referer) to pass CSRF.
                "Origin": f"https://{self.host}",
            },
        )

    def post_multipart(
        self, path: str, data: dict, files: dict, *, csrf_from: Response
    ) -> Response:
        """POST a form with file fields: `files` maps a field to (file name, bytes, type)."""
        boundary = f"----stack{uuid.uuid4().hex}"
        parts = []
        fields = {**data, "csrfmiddlewaretoken": csrf_from.csrf_token()}
        for name, values in fields.items():
            for value in values if isinstance(values, list | tuple) else [values]:
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                    f"{value}\r\n".encode()
                )
        for name, (filename, content, content_type) in files.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
                + content
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Origin": f"https://{self.host}",
            },
        )

    def body(self, path: str) -> tuple[int, bytes]:
        """GET `path` and return the status and the raw bytes (for downloads)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = {"Host": self.host, "X-Forwarded-Proto": "https"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request("GET", path, headers=headers)
            answer = connection.getresponse()
            return answer.status, answer.read()
        finally:
            connection.close()

    def submit(self, path: str, data: dict) -> Response:
        """GET the form page, then POST `data` to it with the page's CSRF token."""
        return self.post_form(path, data, csrf_from=self.get(path))
