"""Programming and markup languages by file name, as forges count them (bytes per language).

A compact table of extensions and well-known file names, with the language names forges
use (GitHub's linguist spelling), so that a detected language compares with the forge's
own. Like linguist's default statistics, data and prose formats (JSON, YAML, Markdown,
plain text) are not languages here: a repository of notes has no language.
"""

from __future__ import annotations

_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "C": ("c", "h"),
    "C++": ("cpp", "cc", "cxx", "c++", "hpp", "hh", "hxx", "h++", "ino"),
    "C#": ("cs", "csx"),
    "Clojure": ("clj", "cljs", "cljc"),
    "CoffeeScript": ("coffee",),
    "CSS": ("css",),
    "Dart": ("dart",),
    "Elixir": ("ex", "exs"),
    "Elm": ("elm",),
    "Erlang": ("erl", "hrl"),
    "F#": ("fs", "fsi", "fsx"),
    "Fortran": ("f", "f77", "f90", "f95", "f03", "for"),
    "Go": ("go",),
    "Groovy": ("groovy", "gvy", "gradle"),
    "Haskell": ("hs", "lhs"),
    "HTML": ("html", "htm", "xhtml"),
    "Java": ("java",),
    "JavaScript": ("js", "mjs", "cjs", "jsx"),
    "Julia": ("jl",),
    "Jupyter Notebook": ("ipynb",),
    "Kotlin": ("kt", "kts"),
    "Less": ("less",),
    "Lua": ("lua",),
    "Makefile": ("mk", "mak"),
    "Objective-C": ("m", "mm"),
    "OCaml": ("ml", "mli"),
    "Perl": ("pl", "pm", "t"),
    "PHP": ("php", "phtml", "php3", "php4", "php5", "phps"),
    "PLpgSQL": ("pgsql", "plpgsql"),
    "PowerShell": ("ps1", "psm1", "psd1"),
    "Python": ("py", "pyi", "pyw", "pyx"),
    "R": ("r", "rmd"),
    "Ruby": ("rb", "rake", "gemspec", "ru"),
    "Rust": ("rs",),
    "Sass": ("sass",),
    "Scala": ("scala", "sc"),
    "SCSS": ("scss",),
    "Shell": ("sh", "bash", "zsh", "ksh", "fish"),
    "SQL": ("sql",),
    "Svelte": ("svelte",),
    "Swift": ("swift",),
    "TeX": ("tex", "sty", "cls"),
    "TypeScript": ("ts", "tsx", "mts", "cts"),
    "Vue": ("vue",),
    "XSLT": ("xsl", "xslt"),
    "Zig": ("zig",),
}
_NAMES: dict[str, str] = {
    "dockerfile": "Dockerfile",
    "containerfile": "Dockerfile",
    "makefile": "Makefile",
    "gnumakefile": "Makefile",
    "cmakelists.txt": "CMake",
    "rakefile": "Ruby",
    "gemfile": "Ruby",
    "vagrantfile": "Ruby",
    "jenkinsfile": "Groovy",
}
BY_EXTENSION: dict[str, str] = {
    extension: language for language, extensions in _EXTENSIONS.items() for extension in extensions
}


def language_of(name: str) -> str | None:
    """The language of a file from its name, or None for data, prose and unknown files.

    ``Dockerfile.prod`` and ``x.Dockerfile`` are Dockerfiles; a ``.d.ts`` declaration is
    TypeScript; the extension is matched without regard to case.
    """
    lowered = name.lower()
    if lowered in _NAMES:
        return _NAMES[lowered]
    if lowered.startswith("dockerfile.") or lowered.endswith(".dockerfile"):
        return "Dockerfile"
    _, dot, extension = lowered.rpartition(".")
    if not dot:
        return None
    if extension == "cmake":
        return "CMake"
    return BY_EXTENSION.get(extension)
