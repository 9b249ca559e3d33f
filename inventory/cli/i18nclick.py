"""Click in the CLI's language (`cli_language()`): help texts, click's own words and its error messages.

Help texts are catalogue keys, not text: `help="help.serve.workers"` on an option, an argument or a command.
Click keeps `help` as an attribute and reads it only when it formats a help page, so the classes here
turn that attribute into a property that translates the key at that moment, in the language of that run.
Click's type names ("integer", "file") are fixed when the type is made, so `INT`, `IntRange` and `Path`
here name themselves the same way; the CLI's modules use them instead of click's.

Click's own words ("Usage:", "Options", "Show this message and exit.", "Missing option", "Invalid value
for ...") go through the standard library's `gettext`, which click's modules import under the names `_`
and `ngettext`. Compiled gettext catalogues (.mo files) would be a second catalogue, and gettext picks
their language from LANGUAGE and the locale, not from VAXSTOCK_LANGUAGE; copying click's formatting and
error code to put other words in it would be far more code. So `speaking` points those two names at our
catalogue (`CLICK_WORDS`: click's English text -> key) while a `vaxstock` command runs (`main`, which is
also what click's test runner calls), and puts the originals back afterwards, so no other click program in
the process is touched. A text click does not know to translate stays in English, as does an error that
escapes `main` when it runs with `standalone_mode=False`; the tests check that every text of
`CLICK_WORDS` is still in click's source, so a reworded one is noticed when click is upgraded.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from inventory.i18n import cli_language, translate

F = TypeVar("F", bound=Callable[..., Any])

CLICK_WORDS: dict[str, str] = {
    "Usage:": "click.usage",
    "Options": "click.options",
    "Commands": "click.commands",
    "Positional arguments": "click.arguments",
    "Show this message and exit.": "click.help_option",
    "default: {default}": "click.default",
    "env var: {var}": "click.env_var",
    "required": "click.required",
    "(dynamic)": "click.dynamic",
    "Error: {message}": "click.error",
    "Try '{command} {option}' for help.": "click.try_help",
    "Aborted!": "click.aborted",
    "Missing argument": "click.missing_argument",
    "Missing option": "click.missing_option",
    "Missing parameter": "click.missing_parameter",
    "Missing parameter: {param_name}": "click.missing_parameter_name",
    "Missing command.": "click.missing_command",
    "Invalid value: {message}": "click.invalid",
    "Invalid value for {param_hint}: {message}": "click.invalid_for",
    "No such option {name!r}.": "click.no_such_option",
    "No such command {name!r}.": "click.no_such_command",
    "Did you mean {possibility}?": "click.did_you_mean",
    "(Did you mean one of: {possibilities}?)": "click.did_you_mean_one_of",
    "Got unexpected extra argument ({args})": "click.extra_argument",
    "Got unexpected extra arguments ({args})": "click.extra_arguments",
    "Option {name!r} does not take a value.": "click.takes_no_value",
    "Option {name!r} requires an argument.": "click.requires_argument",
    "Option {name!r} requires {nargs} arguments.": "click.requires_arguments",
    "{value!r} is not a valid {number_type}.": "click.not_a_number",
    "{value} is not in the range {range}.": "click.out_of_range",
    "{value!r} is not {choice}.": "click.not_the_choice",
    "{value!r} is not one of {choices}.": "click.not_a_choice",
    "Choose from:\n\t{choices}": "click.choose_from",
    "{value!r} does not match the format {format}.": "click.not_the_format",
    "{value!r} does not match the formats {formats}.": "click.not_a_format",
    "{name} {filename!r} does not exist.": "click.path_missing",
    "{name} {filename!r} is a file.": "click.path_is_file",
    "{name} {filename!r} is a directory.": "click.path_is_directory",
    "{name} {filename!r} is not readable.": "click.path_unreadable",
    "{name} {filename!r} is not writable.": "click.path_unwritable",
    "Could not open file {filename!r}: {message}": "click.cannot_open",
    "unknown error": "click.unknown_error",
    "file": "click.file",
    "directory": "click.directory",
    "path": "click.path",
    "text": "click.text",
    "integer": "click.integer",
    "integer range": "click.integer_range",
    "Repeat for confirmation": "click.repeat",
    "Error: The two entered values do not match.": "click.mismatch",
}
"""Click's English texts that we say in the CLI's language, each with its catalogue key."""

USAGE_WORDS: dict[str, str] = {
    "[OPTIONS]": "click.usage_options",
    "COMMAND [ARGS]...": "click.usage_command",
    "[COMMAND] [ARGS]...": "click.usage_optional_command",
}
"""The usage line's placeholders: click writes them itself, not through gettext, so
`CommandHelp.collect_usage_pieces` says them."""
CLICK_WORDS |= USAGE_WORDS

CLICK_MODULES = (
    "click.core",
    "click.decorators",
    "click.exceptions",
    "click.formatting",
    "click.parser",
    "click.termui",
    "click.types",
)


def say(key: str) -> str:
    """The catalogue's text for a key in the CLI's language (the key itself when it is missing)."""
    return translate(key, cli_language())


def click_gettext(message: str) -> str:
    """`gettext` for click: its English text in the CLI's language, or unchanged when we have no key."""
    key = CLICK_WORDS.get(message)
    return say(key) if key else message


def click_ngettext(singular: str, plural: str, n: int) -> str:
    """`ngettext` for click: the singular or the plural, then as `click_gettext`."""
    return click_gettext(singular if n == 1 else plural)


@contextmanager
def speaking() -> Iterator[None]:
    """Click's own words and error messages in the CLI's language inside the block; as before after it."""
    modules = [importlib.import_module(name) for name in CLICK_MODULES]
    names = ("_", "ngettext")
    saved = [
        (module, {name: vars(module)[name] for name in names if name in vars(module)}) for module in modules
    ]
    for module in modules:
        if "_" in vars(module):
            module._ = click_gettext  # type: ignore[attr-defined]
        if "ngettext" in vars(module):
            module.ngettext = click_ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for module, originals in saved:
            for name, original in originals.items():
                setattr(module, name, original)


class TranslatedHelp:
    """`help` holds a catalogue key; reading it gives the text in the CLI's language."""

    _help_key: str | None = None

    @property
    def help(self) -> str | None:
        return say(self._help_key) if self._help_key else None

    @help.setter
    def help(self, key: str | None) -> None:
        self._help_key = key


class Option(TranslatedHelp, click.Option):
    """An option whose help and prompt are catalogue keys said in the CLI's language."""

    _prompt: str | None = None

    @property
    def prompt(self) -> str | None:
        return say(self._prompt) if self._prompt else None

    @prompt.setter
    def prompt(self, value: str | None) -> None:
        self._prompt = value

    def make_metavar(self, ctx: click.Context) -> str:
        """Click's own type names (TEXT, INTEGER, FILE) in the CLI's language; a type's own metavar as is."""
        if self.metavar is not None or self.type.get_metavar(param=self, ctx=ctx) is not None:
            return super().make_metavar(ctx)
        metavar = click_gettext(self.type.name).upper()
        return f"{metavar}..." if self.nargs != 1 else metavar


class Argument(TranslatedHelp, click.Argument):
    """An argument whose help is said in the CLI's language."""


class TranslatedName:
    """A click type whose name (in its error messages and metavars) is said in the CLI's language."""

    _name = ""

    @property
    def name(self) -> str:
        return click_gettext(self._name)

    @name.setter
    def name(self, value: str) -> None:
        self._name = value


class Int(TranslatedName, click.types.IntParamType):
    """`int` as a click type: "'x' không phải là số nguyên hợp lệ"."""

    _name = "integer"


class IntRange(TranslatedName, click.IntRange):
    """`click.IntRange`, named in the CLI's language."""

    _name = "integer range"


class Path(TranslatedName, click.Path):
    """`click.Path` naming what it wants (file, directory) in the CLI's language in its errors."""

    _name = "path"


INT = Int()


class CommandHelp(TranslatedHelp):
    """What every command here shares: a translated help option, click's words in the CLI's language."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:  # made once per command and kept: its text is set at each use
            option.help = click_gettext("Show this message and exit.")
        return option

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        pieces = super().collect_usage_pieces(ctx)  # type: ignore[misc]
        return [say(USAGE_WORDS[piece]) if piece in USAGE_WORDS else piece for piece in pieces]

    def main(self, *args: Any, **kwargs: Any) -> Any:
        with speaking():
            return super().main(*args, **kwargs)  # type: ignore[misc]


class Command(CommandHelp, click.Command):
    """A command whose help is a catalogue key."""


class Group(CommandHelp, click.Group):
    """A group whose help is a catalogue key; its commands and groups are of these classes too."""

    command_class = Command
    group_class = type


def option(*param_decls: str, **attrs: Any) -> Callable[[F], F]:
    """`click.option` with help (a catalogue key) said in the CLI's language."""
    return click.option(*param_decls, cls=Option, **attrs)


def argument(*param_decls: str, **attrs: Any) -> Callable[[F], F]:
    """`click.argument` with help (a catalogue key) said in the CLI's language."""
    return click.argument(*param_decls, cls=Argument, **attrs)


def command(name: str | None = None, **attrs: Any) -> Callable[[Callable[..., Any]], Command]:
    """`click.command` for a command of its own module (added to `main` later)."""
    return click.command(name, cls=Command, **attrs)


def group(name: str | None = None, **attrs: Any) -> Callable[[Callable[..., Any]], Group]:
    """`click.group` for a group of its own module (added to `main` later)."""
    return click.group(name, cls=Group, **attrs)
