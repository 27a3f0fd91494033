"""Where a definition was written: the recorded line is the line of the builder call, worked out
only when read, and a ``Source`` behaves like the immutable value it always was."""

from __future__ import annotations

import gc
import importlib
import pickle
import sys
import weakref
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from runner_gen import r
from runner_gen.definitions.source import Source, caller_source


async def make() -> int:
    return 1


def test_a_source_names_the_line_of_the_builder_call() -> None:
    task = r.task("src.here").run(make).build()
    line = sys._getframe().f_lineno - 1
    assert task.source == Source(__file__, line)
    assert task.source.line == line
    assert str(task.source) == f"tests/definitions/test_source.py:{line}"


def test_a_multi_line_chain_points_at_the_line_that_names_the_id() -> None:
    start = sys._getframe().f_lineno + 2
    task = (
        r.task("src.chained")  # start
        .run(make)
        .build()
    )
    assert task.source.line == start


def test_lines_are_right_throughout_a_large_generated_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Definitions at module level and inside a function, after blank lines, comments and
    # multi-line calls: each must point at its own `r.` line, as the error messages say.
    lines = ["from runner_gen import r", "", "async def make() -> int:", "    return 1", ""]
    expected: dict[str, int] = {}
    for index in range(300):
        if index % 7 == 0:
            lines += ["# a comment", ""]
        if index % 5 == 0:
            lines += [f"t{index} = (", f'    r.task("m.t{index}")', "    .run(make).build()"]
            expected[f"t{index}"] = len(lines) - 1
            lines.append(")")
        else:
            lines.append(f'r{index} = r.resource("m.r{index}").init(make).build()')
            expected[f"r{index}"] = len(lines)
    lines += ["", "def nested():", '    return r.event("m.nested").build()', ""]
    expected["nested"] = len(lines) - 1
    (tmp_path / "many_definitions.py").write_text("\n".join(lines) + "\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("many_definitions")
    try:
        for name, line in expected.items():
            definition = module.nested() if name == "nested" else getattr(module, name)
            assert definition.source.line == line, name
            assert definition.source.file == str(tmp_path / "many_definitions.py")
    finally:
        sys.modules.pop("many_definitions", None)


def test_a_lazy_source_equals_and_hashes_like_a_known_one() -> None:
    lazy = caller_source(1)
    known = Source(__file__, sys._getframe().f_lineno - 1)
    assert lazy == known
    assert hash(lazy) == hash(known)
    assert {lazy, known} == {known}
    assert lazy != Source(__file__, known.line + 1)
    assert lazy != Source("elsewhere.py", known.line)
    assert lazy != (known.file, known.line)
    assert repr(lazy) == f"Source(file={__file__!r}, line={known.line})"


def test_a_source_is_immutable() -> None:
    source = caller_source(1)
    with pytest.raises(FrozenInstanceError):
        source.line = 3  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        source.file = "x.py"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del source.file


def test_a_source_pickles_as_its_file_and_line() -> None:
    source = caller_source(1)
    line = sys._getframe().f_lineno - 1
    copied = pickle.loads(pickle.dumps(source))
    assert copied == Source(__file__, line)
    assert copied.line == line


def test_a_source_matches_by_file_and_line() -> None:
    source, here = caller_source(1), sys._getframe().f_lineno
    match source:
        case Source(file, line):
            assert (file, line) == (__file__, here)
        case _:  # pragma: no cover - the case above must match
            pytest.fail("a Source did not match Source(file, line)")


def test_paths_outside_the_working_directory_stay_absolute(tmp_path: Path) -> None:
    outside = str(tmp_path / "defs.py")
    assert str(Source(outside, 4)) == f"{outside}:4"
    assert str(Source("relative.py", 2)) == "relative.py:2"


def _sources_from_fresh_code(count: int) -> list[Source]:
    code = compile(
        "".join(f"sources.append(caller_source(1))\n{'#' * index}\n" for index in range(count)),
        "fresh_module.py",
        "exec",
    )
    sources: list[Source] = []
    exec(code, {"caller_source": caller_source, "sources": sources})
    return sources


def test_a_line_table_lives_only_as_long_as_its_code() -> None:
    from runner_gen.definitions import source as module

    before = set(module._TABLES)
    sources = _sources_from_fresh_code(3)
    assert [source.line for source in sources[:2]] == [1, 3]  # decoded once, shared
    keys = set(module._TABLES) - before
    assert len(keys) == 1  # kept while a source still waits for its line
    del sources  # the last holder of the code object
    gc.collect()
    assert not keys & set(module._TABLES)


def test_a_reused_id_is_not_mistaken_for_the_code_it_held() -> None:
    from runner_gen.definitions import source as module

    sources = _sources_from_fresh_code(2)
    other = compile("pass\n\n\n\n\npass\n", "other.py", "exec")
    code = sources[0]._code
    assert code is not None
    # As if `other` had lived at this address before and its table were still cached.
    module._TABLES[id(code)] = (weakref.ref(other), module._LineTable(other))
    assert sources[1].line == 3
