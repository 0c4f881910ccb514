#!/usr/bin/env python3
"""Serves the demo: www/ at / and the built npm package pkg/ at /pkg/, on 127.0.0.1 only
(plus three.js and @pixiv/three-vrm from node_modules at /vendor/three/ and /vendor/three-vrm/ for
the avatar demo, and, for the benchmark page, onnxruntime-web's files at /vendor/ort/, bench/ at
/bench-model/ and models/ at /models/).

    python3 scripts/serve.py [--port 8080]

Pages import the package through an import map ("animasync-face" -> /pkg/index.js,
"three" -> /vendor/three/build/three.module.js, ...), exactly as a user's page would import the
published files.
"""
import argparse
import functools
import http.server
import pathlib
import sys
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent.parent


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".vrm": "model/gltf-binary",
    }

    # URL prefix -> directory; everything else comes from www/. The base class resolves the rest
    # inside the chosen root and drops ".." components.
    ROUTES = {
        "/pkg": ROOT / "pkg",
        "/vendor/ort": ROOT / "node_modules" / "onnxruntime-web" / "dist",
        "/vendor/three": ROOT / "node_modules" / "three",
        "/vendor/three-vrm": ROOT / "node_modules" / "@pixiv" / "three-vrm",
        "/bench-model": ROOT / "bench",
        "/models": ROOT / "models",
    }

    def translate_path(self, path):
        route = urllib.parse.urlsplit(path).path
        for prefix, directory in self.ROUTES.items():
            if route == prefix or route.startswith(prefix + "/"):
                self.directory, path = str(directory), path[len(prefix):] or "/"
                break
        else:
            self.directory = str(ROOT / "www")
        return super().translate_path(path)

    def end_headers(self):
        # The demo is rebuilt in place; never let the browser run a stale module.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, fmt, *args):
        sys.stderr.write("serve: " + fmt % args + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    handler = functools.partial(Handler, directory=str(ROOT / "www"))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    except OSError as error:
        sys.exit(f"serve: cannot listen on 127.0.0.1:{args.port} ({error.strerror}); "
                 f"choose another port, e.g. PORT={args.port + 1} make demo")
    print(f"serving www/ and pkg/ on http://127.0.0.1:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
