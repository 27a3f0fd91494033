"""Turn a mypy error in generated code into a build error at the definition it comes from.

A wrong wire shows up in generated code as a call whose argument has the wrong type: a factory
receiving a dependency (``Argument "db" to "_task_lookup" ...``), or a user function receiving
what the app gives it (a hook's emission, a resource's config or value). Each is restated in
the definitions' terms: which definition, which dependency or parameter, what it is wired to,
what the function expects. Anything else is reported verbatim at the definition whose code
contains the line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from runner_gen.definitions.source import Source
from runner_gen.generator.annotations import Signature
from runner_gen.generator.generated_regions import Origin
from runner_gen.generator.model import AppModel, DependencyUse, Node
from runner_gen.generator.mypy_output import MypyError
from runner_gen.generator.problems import Problem, kind_label

_ARGUMENT = re.compile(
    r'^Argument (?P<which>"[^"]+"|\d+) to "(?P<function>[^"]+)" has incompatible type '
    r'"(?P<actual>.+)"; expected "(?P<expected>.+)"$'
)
_ASSIGNMENT = re.compile(
    r'^Incompatible types in assignment \(expression has type "(?P<actual>.+)", '
    r'variable has type "(?P<expected>.+)"\)$'
)

MISMATCH = "type_mismatch"
TYPE_ERROR = "type_error"


def blame(
    error: MypyError,
    origin: Origin | None,
    model: AppModel,
    factories: Mapping[str, str],
    where: Source,
) -> Problem:
    """The build error for ``error``, found at ``where`` in generated code; ``factories``:
    each generated factory's name -> its definition's id."""
    if origin is None:
        root = model.nodes[model.root_id]
        return Problem(
            TYPE_ERROR,
            f"in generated code ({where}), mypy reports: {error.verbatim()}",
            root.source,
            "if the definitions are right, this is a runner-gen bug: please report it",
        )
    node = model.nodes[origin.node_id]
    argument = _ARGUMENT.match(error.message)
    if argument is not None:
        which, function = argument["which"], argument["function"]
        actual, expected = argument["actual"], argument["expected"]
        if which.startswith('"') and function in factories:
            owner = model.nodes[factories[function]]
            problem = _dependency(model, owner, which.strip('"'), actual, expected)
        elif function == "bind_emitter":
            problem = _emitter(model, node, actual, expected)
        elif which.isdigit():
            problem = _argument(model, origin, node, int(which), function, actual, expected)
        else:
            problem = None
        if problem is not None:
            return problem
    assignment = _ASSIGNMENT.match(error.message)
    if assignment is not None and _has_config(node):
        init = node.functions.get("init")
        if init is not None:
            return _config(node, init, assignment["actual"], assignment["expected"])
    return Problem(
        TYPE_ERROR,
        f"in the code generated for {_named(node)} ({where}), mypy reports: {error.verbatim()}",
        node.source,
        f"check the annotations of {_named(node)}'s functions against what it is wired to;"
        " if they are right, this is a runner-gen bug: please report it",
    )


def _dependency(
    model: AppModel, node: Node, parameter: str, actual: str, expected: str
) -> Problem | None:
    """A factory got the wrong type for ``parameter``: one of ``node``'s dependencies, or of a
    custom middleware wrapping it."""
    found = _dependency_named(model, node, parameter, expected)
    if found is None:
        return None
    owner, use, signature = found
    target = model.nodes.get(use.target_id)
    wired = f'"{use.target_id}"' if target is None else _described(target, actual)
    function = f"{signature.name}()"
    written = _annotation(signature, use.key) or expected  # as the user wrote it
    message = (
        f'dependency "{use.key}" of {_named(owner)} is wired to {wired}, '
        f"but {function} expects {written}"
    )
    fix = _dependency_fix(use.key, function, target, actual)
    return Problem(MISMATCH, message, owner.source, fix)


_TYPE_ARGUMENT = re.compile(r"^\w+\[(?P<payload>.+)\]$")


def _emitter(model: AppModel, node: Node, actual: str, expected: str) -> Problem | None:
    """An event's emit (or report) function bound for a dependent whose function expects an
    emitter of another payload: mypy infers the binding's type from the parameter, so it names
    the emit function, not the dependency. The dependency is the one on an event with the
    payload mypy saw, whose parameter is annotated with the payload it expected."""
    given, wanted = _TYPE_ARGUMENT.match(actual), _TYPE_ARGUMENT.match(expected)
    if given is None or wanted is None:
        return None
    owners = [node, *(model.nodes[use.middleware_id] for use in node.middleware)]
    for owner in owners:
        for use in owner.dependencies:
            target = model.nodes.get(use.target_id)
            signature = _declaring(owner, use.key)
            if target is None or target.kind != "event" or signature is None:
                continue
            written = _annotation(signature, use.key) or ""
            if target.payload_type.text == given["payload"] and wanted["payload"] in written:
                function = f"{signature.name}()"
                return Problem(
                    MISMATCH,
                    f'dependency "{use.key}" of {_named(owner)} is wired to '
                    f"{_described(target, actual)}, but {function} expects {written}",
                    owner.source,
                    _dependency_fix(use.key, function, target, actual),
                )
    return None


def _dependency_named(
    model: AppModel, node: Node, parameter: str, expected: str
) -> tuple[Node, DependencyUse, Signature] | None:
    """The dependency a factory parameter stands for. Parameters are named after dependency
    keys (``db``), with a suffix (``db_2``) when the name is taken in the generated module;
    the node's own dependencies come first, then its middleware's (tasks, resources) or its
    hooks' (events: the emitter's factory receives what the hooks need)."""
    owners = [node]
    owners += [model.nodes[use.middleware_id] for use in node.middleware]
    owners += [model.nodes[hook_id] for hook_id in node.hooks]
    matches: list[tuple[int, Node, DependencyUse, Signature]] = []
    for owner in owners:
        for use in owner.dependencies:
            signature = _declaring(owner, use.key)
            if signature is None:
                continue
            if parameter == use.key:
                rank = 0
            elif re.fullmatch(rf"{re.escape(use.key)}_\d+", parameter):
                rank = 2
            else:
                continue
            if _annotation(signature, use.key) != expected:
                rank += 1  # mypy names the parameter's type: the one written there wins
            matches.append((rank, owner, use, signature))
    if not matches:
        return None
    _, owner, use, signature = min(matches, key=lambda match: match[0])
    return owner, use, signature


def _argument(
    model: AppModel,
    origin: Origin,
    node: Node,
    index: int,
    function: str,
    actual: str,
    expected: str,
) -> Problem | None:
    """A user function got the wrong type for its ``index``-th positional argument."""
    candidates = [node]
    if origin.factory_node_id is not None:
        # Inside an event's emitter the hook is called by name, even without its comment.
        candidates += [model.nodes[h] for h in model.nodes[origin.factory_node_id].hooks]
    found = next(
        ((n, r, s) for n in candidates for r, s in n.functions.items() if s.name == function),
        None,
    )
    if found is None:
        return None
    node, role, signature = found
    parameter = (
        f'"{signature.positional[index - 1].name}"'
        if index <= len(signature.positional)
        else f"argument {index}"
    )
    called = f"{signature.name}()"
    if node.kind == "hook" and index == 1 and origin.factory_node_id is not None:
        event = model.nodes[origin.factory_node_id]
        return Problem(
            MISMATCH,
            f"{_named(node)} listens to {_described(event, actual)}, but {called} expects "
            f"{expected}",
            node.source,
            f"annotate {parameter} in {called} as {actual}, or listen to an event whose "
            "payload it expects",
        )
    if node.kind == "resource" and (role == "init" or (role == "dispose" and index == 2)):
        return _config(node, signature, actual, expected)
    if node.kind == "resource" and role in ("dispose", "health") and index == 1:
        return Problem(
            MISMATCH,
            f"{called}, the {role} function of {_named(node)}, expects {expected}, "
            f"but the resource's value is {actual}",
            node.source,
            f"annotate {parameter} in {called} as {actual}",
        )
    return Problem(
        MISMATCH,
        f"{called}, the {role} function of {_named(node)}, is given {actual} for {parameter}, "
        f"but expects {expected}",
        node.source,
        f"annotate {parameter} in {called} as {actual}",
    )


def _config(node: Node, signature: Signature, actual: str, expected: str) -> Problem:
    called = f"{signature.name}()"
    return Problem(
        MISMATCH,
        f"the config of {_named(node)} is {actual} (its config schema), but {called} "
        f"expects {expected}",
        node.source,
        f"annotate the config parameter of {called} as {actual}, or change the resource's "
        "config_schema",
    )


def _declaring(node: Node, key: str) -> Signature | None:
    """The function of ``node`` that takes dependency ``key`` as a keyword."""
    declaring = [s for s in node.functions.values() if key in s.keyword_names]
    return declaring[0] if declaring else None


def _annotation(signature: Signature, keyword: str) -> str | None:
    annotation = next(p.annotation for p in signature.keyword if p.name == keyword)
    return None if annotation is None else annotation.text


def _has_config(node: Node) -> bool:
    return node.kind == "resource" and getattr(node.definition, "config_schema", None) is not None


def _named(node: Node) -> str:
    return f'{kind_label(node.definition).lower()} "{node.id}"'


def _described(node: Node, actual: str) -> str:
    """``task "x" (input int, result str)``: a definition and the type it provides."""
    if node.kind == "task":
        given = f"input {node.input_type.text}" if node.input_type is not None else "no input"
        detail = f"{given}, result {node.result_type.text}"
    elif node.kind == "event":
        detail = f"payload {node.payload_type.text}"
    else:
        detail = actual
    return f"{_named(node)} ({detail})"


def _dependency_fix(key: str, function: str, target: Node | None, actual: str) -> str:
    if target is not None and target.kind == "task":
        takes = target.input_type.text if target.input_type is not None else ""
        provided = f"Callable[[{takes}], Awaitable[{target.result_type.text}]]"
        return f'annotate "{key}" in {function} as {provided}, or wire it to another task'
    if target is not None and target.kind == "event":
        return (
            f'annotate "{key}" in {function} as Emit[{target.payload_type.text}], or wire it '
            "to an event with the payload it emits"
        )
    what = "a resource" if target is not None and target.kind == "resource" else "a definition"
    return f'annotate "{key}" in {function} as {actual}, or wire it to {what} of the expected type'
