"""Running the web server and the task worker together, for `levier serve` and `levier demo`."""

import os
import signal
import subprocess
import sys

from django.conf import settings


def add_serve_arguments(parser):
    parser.add_argument("--host", default="127.0.0.1", help="Adresse d'écoute (défaut : 127.0.0.1).")
    parser.add_argument("--port", type=int, default=8000, help="Port d'écoute (défaut : 8000).")
    parser.add_argument("--workers", type=int, default=2, help="Processus web gunicorn (défaut : 2).")


def _levier(*args: str) -> list[str]:
    return [sys.executable, "-m", "levier", *args]


def serve(stdout, options, *, with_worker: bool) -> None:
    """Serve with gunicorn in the foreground; with `with_worker`, a task worker runs beside it."""
    env = dict(
        os.environ, DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "levier.config.settings")
    )
    worker = None
    if with_worker:
        worker = subprocess.Popen(_levier("worker"), env=env)
    bind = f"{options['host']}:{options['port']}"
    stdout.write(f"\nLevier est servi sur http://{bind}/  (Ctrl+C pour arrêter)\n")
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        stdout.write(f"Base SQLite : {settings.DATABASES['default']['NAME']}\n")
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "levier.config.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(options["workers"]),
        "--access-logfile",
        "-",
    ]
    web = subprocess.Popen(command, env=env)
    try:
        web.wait()
    except KeyboardInterrupt:
        web.send_signal(signal.SIGTERM)
        web.wait()
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
