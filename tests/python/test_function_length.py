"""No C++ function in bench/ or src/ is over 60 lines, no Python file over 400 and no command in scripts/ over
150 (docs/ARCHITECTURE.md: short single-purpose functions and files, so that one reads a family, a
mechanism or a tool by reading one file).

A brace-depth heuristic, not a parser: comments, strings and character literals are blanked out, then
every brace opened where no function is open yet (at namespace or class scope) is a function body when
the text before it since the last `;`, `{` or `}` holds a `)` or a lambda's `]` and is not a type,
namespace or initializer. Lambdas at namespace scope (a family's registration) count as functions;
a lambda inside a function counts towards that function. A function's length runs from its opening
brace's line to its closing brace's line.
"""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
LIMIT = 60
EXCEPTED = set()  # paths relative to ROOT that may keep a longer function, each with its reason

_TOKEN = re.compile(r'//[^\n]*|/\*.*?\*/|R"(?P<delim>[^(\s]*)\(.*?\)(?P=delim)"|"(?:\\.|[^"\\\n])*"|'
                    r"'(?:\\.|[^'\\\n])*'", re.S)
_TYPE_HEAD = re.compile(r'\b(namespace|class|struct|union|enum)\b|extern\s*"C"')


def _blank(text):
    """The text with comments and literals replaced by spaces, newlines kept (line numbers hold)."""
    return _TOKEN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def _opens_function(head):
    head = head.strip()
    if not head or head.endswith(("=", ",", "(", "return")) or head.startswith("#"):
        return False  # an initializer, or a braced argument
    if _TYPE_HEAD.search(head) and ")" not in head:
        return False  # a namespace, class, struct or enum: its members are looked at one by one
    return ")" in head or head.endswith("]")


def long_functions(text, limit=LIMIT):
    """(first line, lines, head) of every function body in `text` over `limit` lines."""
    code = _blank(text)
    found, stack, head_start = [], [], 0  # stack: (is_function_body, line of the brace, head)
    line = 1
    for i, ch in enumerate(code):
        if ch == "\n":
            line += 1
        elif ch == "{":
            inside_function = any(entry[0] for entry in stack)
            head = code[head_start:i]
            stack.append((not inside_function and _opens_function(head), line, " ".join(head.split())[-80:]))
            head_start = i + 1
        elif ch == "}":
            if stack:
                is_function, first, head = stack.pop()
                if is_function and line - first + 1 > limit:
                    found.append((first, line - first + 1, head))
            head_start = i + 1
        elif ch == ";":
            head_start = i + 1
    return found


def test_no_function_in_bench_or_src_is_over_the_limit():
    over = []
    for folder in ("bench", "src"):
        for path in sorted((ROOT / folder).rglob("*")):
            rel = path.relative_to(ROOT).as_posix()
            if path.suffix not in (".cpp", ".hpp") or rel in EXCEPTED:
                continue
            for first, lines, head in long_functions(path.read_text()):
                over.append(f"{rel}:{first}: {lines} lines: {head}")
    assert not over, f"C++ functions over {LIMIT} lines:\n" + "\n".join(over)


def test_the_heuristic_finds_a_long_function_and_nothing_else():
    body = "\n".join(f"  x += {i};  // }} {{" for i in range(LIMIT))
    text = (f'namespace n {{\nconst char* k[] = {{"{{", "}}"}};\nstruct S {{\n  int f() const {{\n{body}\n  }}\n}};\n'
            f"const bool registered = [] {{\n  return true;\n}}();\nvoid g(int x) {{\n{body}\n}}\n}}\n")
    found = long_functions(text)
    assert [(lines, head.split()[-1]) for _, lines, head in found] == [(LIMIT + 2, "const"), (LIMIT + 2, "x)")]
    assert long_functions("void short_one() {\n  return;\n}\n") == []


# The Python side's shape, as Google Benchmark's tools/gbench/ has it: thin commands over modules.
PYTHON_MODULE_LIMIT, PYTHON_COMMAND_LIMIT = 400, 150


def test_no_python_file_is_over_its_limit():
    over = [f"{p.relative_to(ROOT)}: {n} lines" for p in sorted(ROOT.glob("scripts/**/*.py")) + sorted(ROOT.glob("tests/**/*.py"))
            if (n := len(p.read_text().splitlines())) > PYTHON_MODULE_LIMIT]
    commands = [f"{p.relative_to(ROOT)}: {n} lines" for p in sorted(ROOT.glob("scripts/*.py"))  # a command runs as __main__
                if "__main__" in p.read_text() and (n := len(p.read_text().splitlines())) > PYTHON_COMMAND_LIMIT]
    assert not over, f"Python files over {PYTHON_MODULE_LIMIT} lines:\n" + "\n".join(over)
    assert not commands, f"commands in scripts/ over {PYTHON_COMMAND_LIMIT} lines:\n" + "\n".join(commands)
