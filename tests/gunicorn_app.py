"""A tiny WSGI application for tests/test_gunicorn_worker.py: echoes the body's length."""


def application(environ, start_response):
    body = environ["wsgi.input"].read()
    answer = f"{environ['PATH_INFO']} {len(body)}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(answer)))])
    return [answer]
