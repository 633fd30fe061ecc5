"""`cargo xtask protocol-check`: cxqa run by the real clients of its two protocols.

    python protocol_check.py airbyte WORKDIR CONFIG EXPECTED   (PyAirbyte, in its own venv)
    python protocol_check.py meltano WORKDIR CONFIG EXPECTED   (Meltano + target-jsonl, in the
                                                               project CXQA_MELTANO_EXAMPLE)
    python protocol_check.py stop-once COMMAND...              (the wrapper that stops a sync)

WORKDIR holds the links `source-cxqa` and `tap-cxqa` to the binary and gets each client's files.
CONFIG is the tap's/source's JSON config; EXPECTED maps each stream to the ids `cxqa run` stored
from the same vendor and window. For each client: every stream arrives with those ids; a second
sync from the state the first left fetches fewer records; and a sync stopped right after its
first STATE, then run again, reaches the same records as one sync.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path


def fail(message):
    print(f"FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def compare(client, got, expected):
    """`got` and `expected`: stream -> set of ids."""
    for stream in sorted(set(got) | set(expected)):
        have, want = got.get(stream, set()), expected.get(stream, set())
        if have != want:
            fail(f"{client}: {stream} has {len(have)} ids, cxqa run stored {len(want)} "
                 f"(missing {sorted(want - have)[:3]}, extra {sorted(have - want)[:3]})")
    print(f"{client}: every stream arrived with the ids cxqa run stored: "
          + ", ".join(f"{s} {len(ids)}" for s, ids in sorted(got.items())))


def is_null(value):
    # NaN and NaT (what a DataFrame holds for null) are the values unequal to themselves.
    return value is None or value == "" or value != value


def version(record):
    """A record's id and version; a deletion is stamped when it is seen, so it is `deleted`."""
    if not is_null(record.get("deleted_at")):
        return (record["id"], "deleted")
    modified = record.get("modified_at")
    return (record["id"], None if is_null(modified) else str(modified))


def stop_once(command):
    """Passes the command's stdout on; if the file named by CXQA_STOP_ONCE exists, kills the
    command right after its first STATE message, removes the file and fails."""
    marker = os.environ.get("CXQA_STOP_ONCE", "")
    child = subprocess.Popen(command, stdout=subprocess.PIPE)
    for line in child.stdout:
        sys.stdout.buffer.write(line)
        sys.stdout.buffer.flush()
        if not (marker and os.path.exists(marker)):
            continue
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if isinstance(message, dict) and str(message.get("type", "")).upper() == "STATE":
            child.kill()
            child.wait()
            os.remove(marker)
            print("stop-once: stopped the sync after its first STATE", file=sys.stderr)
            sys.exit(1)
    sys.exit(child.wait())


def wrapper(workdir, name):
    """An executable that runs the link `name` through stop-once."""
    path = workdir / f"{name}-stoppable"
    path.write_text(f"#!/bin/sh\nexec {sys.executable} {Path(__file__).resolve()} stop-once "
                    f"{workdir / name} \"$@\"\n")
    path.chmod(0o755)
    return path


# --- PyAirbyte ------------------------------------------------------------------------------


def airbyte(workdir, config, expected):
    import airbyte as ab

    def source():
        src = ab.get_source("source-cxqa", config=config,
                            local_executable=str(wrapper(workdir, "source-cxqa")),
                            install_if_missing=False)
        src.select_all_streams()
        return src

    def cached(cache):
        out = {}
        for stream in cache.streams:
            frame = cache[stream].to_pandas()
            out[stream] = {version(row) for row in frame.to_dict("records")}
        return out

    first_source = source()
    first_source.check()
    streams = first_source.get_available_streams()
    if sorted(streams) != sorted(expected):
        fail(f"PyAirbyte discovered {streams}, expected {sorted(expected)}")
    cache = ab.new_local_cache("first", cache_dir=str(workdir / "airbyte-first"))
    first = first_source.read(cache=cache)
    clean = cached(cache)
    compare("PyAirbyte", {s: {i for i, _ in v} for s, v in clean.items()}, expected)
    second = source().read(cache=cache)
    if not second.processed_records < first.processed_records:
        fail(f"PyAirbyte: the second sync read {second.processed_records} records, "
             f"the first {first.processed_records}")
    print(f"PyAirbyte: a second sync from the cached state read {second.processed_records} "
          f"records (the first {first.processed_records})")

    stopped_cache = ab.new_local_cache("stopped", cache_dir=str(workdir / "airbyte-stopped"))
    marker = workdir / "stop"
    marker.touch()
    os.environ["CXQA_STOP_ONCE"] = str(marker)
    try:
        source().read(cache=stopped_cache)
        fail("PyAirbyte: the stopped sync did not fail")
    except Exception as error:  # the client reports the stopped source as a failure
        print(f"PyAirbyte: the stopped sync failed as expected ({type(error).__name__})")
    if marker.exists():
        fail("PyAirbyte: the sync was never stopped")
    source().read(cache=stopped_cache)
    resumed = cached(stopped_cache)
    if resumed != clean:
        lost = {s: len(clean[s] - resumed.get(s, set())) for s in clean}
        fail(f"PyAirbyte: the stopped and resumed sync differs from one sync (lost {lost})")
    print("PyAirbyte: a sync stopped after its first STATE and run again reached the same records")


# --- Meltano --------------------------------------------------------------------------------


def meltano(workdir, config, expected):
    project = workdir / "meltano"
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir(parents=True)
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ, MELTANO_SEND_ANONYMOUS_USAGE_STATS="false",
               MELTANO_DISABLE_TRACKING="true", PATH=f"{bin_dir}:{os.environ['PATH']}")
    # The committed example project, its tap run through stop-once with this check's config.
    import yaml
    manifest = yaml.safe_load(Path(os.environ["CXQA_MELTANO_EXAMPLE"]).read_text())
    tap = next(p for p in manifest["plugins"]["extractors"] if p["name"] == "tap-cxqa")
    tap["executable"] = str(wrapper(workdir, "tap-cxqa"))
    tap["config"] = config
    (project / "meltano.yml").write_text(json.dumps(manifest, indent=2))
    output = project / "output"

    def meltano_cmd(*args, ok=True):
        result = subprocess.run(["meltano", *args], cwd=project, env=env,
                                capture_output=True, text=True)
        if ok and result.returncode != 0:
            fail(f"meltano {' '.join(args)} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
        return result

    def run(ok=True):
        shutil.rmtree(output, ignore_errors=True)
        output.mkdir()
        result = meltano_cmd("run", "tap-cxqa", "target-jsonl", ok=ok)
        got = {}
        for path in output.glob("*.jsonl"):
            stream = path.name.rsplit("-", 1)[0]
            with path.open() as lines:
                got.setdefault(stream, set()).update(version(json.loads(l)) for l in lines)
        return result, got

    meltano_cmd("install")
    _, clean = run()
    compare("Meltano", {s: {i for i, _ in v} for s, v in clean.items()}, expected)
    first_total = sum(len(v) for v in clean.values())
    _, second = run()
    second_total = sum(len(v) for v in second.values())
    if not second_total < first_total:
        fail(f"Meltano: the second run sent {second_total} records, the first {first_total}")
    print(f"Meltano: a second run from its stored state sent {second_total} records "
          f"(the first {first_total})")

    meltano_cmd("state", "clear", "--force", "dev:tap-cxqa-to-target-jsonl")
    marker = workdir / "stop"
    marker.touch()
    env["CXQA_STOP_ONCE"] = str(marker)
    stopped, before = run(ok=False)
    if stopped.returncode == 0 or marker.exists():
        fail("Meltano: the sync was never stopped")
    _, after = run()
    reached = {s: before.get(s, set()) | after.get(s, set()) for s in set(before) | set(after)}
    if reached != clean:
        lost = {s: len(clean[s] - reached.get(s, set())) for s in clean}
        fail(f"Meltano: the stopped and resumed run differs from one run (lost {lost})")
    print("Meltano: a run stopped after its first STATE and run again reached the same records")


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "stop-once":
        stop_once(sys.argv[2:])
    client, workdir, config, expected = sys.argv[1:5]
    workdir = Path(workdir)
    config = json.loads(Path(config).read_text())
    expected = {s: set(ids) for s, ids in json.loads(Path(expected).read_text()).items()}
    {"airbyte": airbyte, "meltano": meltano}[client](workdir, config, expected)


if __name__ == "__main__":
    main()
