#!/usr/bin/env python3
"""The JSON Schemas of schemas/ against the files flowgate reads.

  schema_check.py REPO

1. Every schema is a valid draft-07 schema.
2. Every shipped YAML file (rules/, jurisdictions/, policy_tests/, data_inventory.yaml,
   lint-baseline.yaml, approvers.yaml, examples/ci/gate-baseline.yaml, mappings/,
   tests/fixtures/sdks/) but the broken fixtures starts with the
   modeline
   `# yaml-language-server: $schema=<relative path>` naming the schema of its kind, and
   validates against it; the deliberately broken fixtures are rejected.
3. Each case of the bad-input corpus (tests/bad_inputs/) is classified below: a schema-level
   mistake (unknown key, missing key, wrong type, bad enum value, bad id or date) must be
   rejected by the schema of the file it targets; a semantic one (a reference, a quote, a
   condition: what only flowgate check can see) must pass it, so a case the schemas start to
   catch moves to the schema list; a YAML-level one is not parsed here. A case in neither list
   fails the test.

YAML is read as YAML 1.2's core schema (as flowgate and editors read it): NO is Norway, not
false, and dates stay text."""

import json
import pathlib
import re
import sys

import jsonschema
import yaml

MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")

# Bad-input cases the schemas must reject.
SCHEMA_LEVEL = {
    "03-empty-match.yaml": "an empty list in match",
    "05-list-for-mapping.yaml": "a list where a mapping goes",
    "06-mapping-for-string.yaml": "a mapping where a string goes",
    "07-number-for-id-set.yaml": "a number where an id goes",
    "08-unknown-key.yaml": "an unknown key",
    "09-missing-citations.yaml": "no citations",
    "10-missing-quote.yaml": "no quote",
    "11-missing-effect.yaml": "no effect",
    "12-missing-id.yaml": "no id",
    "37-bad-date.yaml": "February 30th",
    "38-bad-duration.yaml": "a duration that is not ISO 8601",
    "43-obligations-on-deny.yaml": "obligations on a deny",
    "44-rules-item-scalar.yaml": "a rule that is a string",
    "51-bad-effect-value.yaml": "an effect not in the enum",
    "52-bad-rule-id.yaml": "an id with a space",
    "53-citation-not-a-list.yaml": "citations as a mapping",
    "54-bad-citation-form.yaml": "a citation not written §n.n",
    "55-empty-citations.yaml": "an empty citation list",
    "57-section-in-wrong-place.yaml": "a statute rule without its statute",
    "59-region-group-lowercase-id.yaml": "a region group id not UPPER_SNAKE",
    "60-consent-age-out-of-range.yaml": "an age outside 13..16",
    "61-terms-without-vocabulary.yaml": "terms without their vocabulary",
    "62-bad-law-date-cascade.yaml": "February 30th",
    "72-unencoded-bad-reason.yaml": "a reason not in the enum",
    "73-statute-rule-allows.yaml": "a statute rule that allows",
    "75-statute-rule-in-rules.yaml": "a statute block under rules/",
    "82-id-upper-case.yaml": "an upper-case id",
    "83-id-is-a-number.yaml": "an id that is a number",
    "95-bad-retention-period.yaml": "a retention period that is not ISO 8601",
}
# ... and the ones they cannot see: they must pass the schema.
SEMANTIC = {
    "13-unknown-data-id.yaml": "an id the vocabulary does not define",
    "14-unknown-purpose.yaml": "an id the vocabulary does not define",
    "15-unknown-recipient.yaml": "an id the vocabulary does not define",
    "16-unknown-obligation.yaml": "an id the vocabulary does not define",
    "17-unknown-legal-basis.yaml": "an id the vocabulary does not define",
    "18-unknown-event.yaml": "an id the vocabulary does not define",
    "19-unknown-right.yaml": "an id the vocabulary does not define",
    "20-unknown-region.yaml": "a well-formed region code that is no region",
    "21-unknown-region-group.yaml": "a group the condition names that does not exist",
    "22-unknown-parent.yaml": "a parent the vocabulary does not define",
    "23-duplicate-rule-id.yaml": "an id used in another file",
    "25-duplicate-vocabulary-id.yaml": "an id used in another file",
    "26-vocabulary-cycle.yaml": "a cycle through several terms",
    "27-region-group-cycle.yaml": "a cycle through several groups",
    "28-condition-syntax-quoted.yaml": "inside the condition language",
    "29-condition-syntax-block.yaml": "inside the condition language",
    "30-condition-single-quoted-escape.yaml": "inside the condition language",
    "31-condition-region-list-lowercase.yaml": "inside the condition language",
    "32-condition-unknown-function.yaml": "inside the condition language",
    "33-condition-unknown-path.yaml": "inside the condition language",
    "34-condition-escaped-quotes.yaml": "inside the condition language",
    "35-condition-unknown-region.yaml": "inside the condition language",
    "36-condition-bad-date.yaml": "inside the condition language",
    "39-overlapping-facts.yaml": "facts whose dates overlap",
    "40-quote-not-in-policy.yaml": "a quote the policy text does not hold",
    "41-citation-unknown-section.yaml": "a well-formed section the text does not have",
    "42-reserved-rule-id.yaml": "an id the engine reserves",
    "58-region-group-bad-member.yaml": "a well-formed region code that is no region",
    "63-condition-block-leading-blank-column.yaml": "inside the condition language",
    "64-condition-type-age-string.yaml": "inside the condition language",
    "65-condition-unicode-escape-column.yaml": "inside the condition language",
    "66-condition-tcf-purpose-out-of-range.yaml": "inside the condition language",
    "67-condition-unknown-gpp-field.yaml": "inside the condition language",
    "68-condition-tcf-purpose-not-a-number.yaml": "inside the condition language",
    "69-condition-tcf-vendor-consent.yaml": "inside the condition language",
    "74-statute-until-before-effective.yaml": "an order between two dates",
    "76-rights-condition-on-age.yaml": "inside the condition language",
    "77-condition-non-ascii.yaml": "inside the condition language",
    "78-condition-zero-width-space.yaml": "inside the condition language",
    "79-collect-to-a-destination.yaml": "a destination the action rules out",
    "80-quote-outside-citation.yaml": "where the quote lies in the policy text",
    "81-quote-one-word.yaml": "how much of the policy text the quote holds",
    "85-quote-spans-sections.yaml": "where the quote lies in the policy text",
    "94-unknown-id-new-term.yaml": "an id the vocabulary does not define",
    "96-unknown-period-event.yaml": "a period from an event the vocabulary does not define",
    "97-region-name-in-condition.yaml": "a region written by its name inside a condition",
}
# ... and the YAML-level ones: the file is no YAML document a schema could be applied to (or the
# mistake is in how it is written: a duplicate key, a tag), found by flowgate's YAML reader.
YAML_LEVEL = {
    "01-unclosed-bracket.yaml", "02-bad-indentation.yaml", "04-unterminated-quote.yaml",
    "24-duplicate-key.yaml", "45-multiple-documents.yaml", "46-billion-laughs.yaml",
    "47-deep-flow-nesting.yaml", "48-not-utf8.yaml", "49-byte-ff.yaml", "50-control-character.yaml",
    "56-complex-key.yaml", "70-empty-second-document.yaml", "71-stray-comma-starts-a-line.yaml",
    "84-yaml-custom-tag.yaml", "86-tab-indentation.yaml", "87-yaml-unquoted-colon.yaml",
    "88-yaml-dash-without-space.yaml", "89-yaml-key-without-colon.yaml",
    "90-yaml-quote-inside-quote.yaml", "91-yaml-key-beside-list-item.yaml",
    "92-yaml-mismatched-bracket.yaml", "93-yaml-no-space-after-colon.yaml",
}
# Fixtures broken on purpose (no modeline: tests pin their line numbers): their schema must
# reject them.
BROKEN_FIXTURES = {
    "tests/fixtures/sdks/bad-ids.yaml": "sdk-manifest",
    "tests/fixtures/broken-policy/rules/rules.yaml": "rules",
}


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2's core schema: booleans are true/false only, no
    sexagesimal numbers, no timestamps (a date is text the schema checks)."""


Yaml12Loader.yaml_implicit_resolvers = {}
for tag, pattern, first in [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)"
     r"|\.(?:nan|NaN|NAN))$", "-+0123456789."),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
]:
    Yaml12Loader.add_implicit_resolver(tag, re.compile(pattern), list(first))


def int_12(loader, node):
    text = loader.construct_scalar(node)
    return int(text, 0) if text[:2] in ("0o", "0x") else int(text)


Yaml12Loader.add_constructor("tag:yaml.org,2002:int", int_12)


def load_yaml(text):
    return yaml.load(text, Loader=Yaml12Loader)


def schema_for(rel):
    """The schema (name without .schema.json) of a file at `rel` in a policy folder, or None."""
    parts = rel.split("/")
    if rel == "data_inventory.yaml":
        return "inventory"
    if rel == "lint-baseline.yaml" or rel.endswith("gate-baseline.yaml"):
        return "baseline"
    if rel == "approvers.yaml":
        return "approvers"
    if rel == "mappings/apple.yaml":
        return "apple-mapping"
    if parts[0] == "rules":
        return "vocabulary" if len(parts) > 2 and parts[1] == "vocabulary" else "rules"
    if parts[0] == "jurisdictions":
        return "jurisdictions"
    if parts[0] == "policy_tests":
        return "policy-tests"
    if rel.startswith("tests/fixtures/sdks/"):
        return "sdk-manifest"
    return None


class Schemas:
    def __init__(self, folder):
        self.folder = folder
        self.documents = {}
        for path in sorted(folder.glob("*.schema.json")):
            document = json.loads(path.read_text(encoding="utf-8"))
            jsonschema.Draft7Validator.check_schema(document)
            self.documents[path.name] = document
        self.format_checker = jsonschema.FormatChecker()
        try:  # jsonschema >= 4.18 resolves references through `referencing`
            import referencing
            import referencing.jsonschema

            resources = [
                (self.uri(name), referencing.Resource.from_contents(
                    doc, default_specification=referencing.jsonschema.DRAFT7))
                for name, doc in self.documents.items()
            ]
            self.registry = referencing.Registry().with_resources(resources)
        except ImportError:  # Debian 12's jsonschema 4.10
            self.registry = None

    def uri(self, name):
        return (self.folder / name).resolve().as_uri()

    def validator(self, kind):
        name = f"{kind}.schema.json"
        document = dict(self.documents[name])
        if self.registry is not None:
            document["$id"] = self.uri(name)
            return jsonschema.Draft7Validator(document, registry=self.registry,
                                              format_checker=self.format_checker)
        store = {self.uri(n): d for n, d in self.documents.items()}
        resolver = jsonschema.RefResolver(self.uri(name), document, store=store)
        return jsonschema.Draft7Validator(document, resolver=resolver,
                                          format_checker=self.format_checker)

    def errors(self, kind, data):
        return [f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
                for e in self.validator(kind).iter_errors(data)]


def shipped_files(repo):
    out = [repo / name for name in ("data_inventory.yaml", "lint-baseline.yaml", "approvers.yaml",
                                    "examples/ci/gate-baseline.yaml")]
    for folder in ("rules", "jurisdictions", "policy_tests", "mappings", "tests/fixtures/sdks"):
        out += sorted((repo / folder).rglob("*.yaml"))
    return [p for p in out if p.exists()]


def main():
    repo = pathlib.Path(sys.argv[1]).resolve()
    schemas = Schemas(repo / "schemas")
    failures = []

    def fail(message):
        failures.append(message)
        print(f"FAIL {message}")

    kinds = {schema_for(str(p.relative_to(repo))) for p in shipped_files(repo)}
    for kind in sorted(kinds - {None}):
        if f"{kind}.schema.json" not in schemas.documents:
            fail(f"schemas/{kind}.schema.json is missing")
    if failures:
        return 1

    checked = 0
    for path in shipped_files(repo):
        rel = str(path.relative_to(repo))
        kind = schema_for(rel)
        text = path.read_text(encoding="utf-8")
        first = text.split("\n", 1)[0]
        m = MODELINE.match(first)
        if rel in BROKEN_FIXTURES:
            pass  # test inputs whose lines the tests pin, not files anyone edits
        elif not m:
            fail(f"{rel}:1: the first line is not '# yaml-language-server: $schema=…'")
        else:
            target = (path.parent / m.group(1)).resolve()
            if not target.exists():
                fail(f"{rel}:1: the modeline names {m.group(1)}, which does not exist")
            elif target != (repo / "schemas" / f"{kind}.schema.json").resolve():
                fail(f"{rel}:1: the modeline names {m.group(1)}; files here take "
                     f"schemas/{kind}.schema.json")
        errors = schemas.errors(kind, load_yaml(text))
        if rel in BROKEN_FIXTURES:
            if not errors:
                fail(f"{rel} is broken on purpose, but {kind}.schema.json accepts it")
        elif errors:
            fail(f"{rel} does not validate against schemas/{kind}.schema.json:\n    " +
                 "\n    ".join(errors[:10]))
        checked += 1

    # A schema that accepts anything would pass the above: one known mistake must be caught.
    sharing = load_yaml((repo / "rules/sharing.yaml").read_text(encoding="utf-8"))
    sharing["rules"][0]["efect"] = sharing["rules"][0].pop("effect")
    if not schemas.errors("rules", sharing):
        fail("rules.schema.json accepts a rule with 'efect' for 'effect'")

    corpus = sorted((repo / "tests/bad_inputs").glob("*.yaml"))
    target_line = re.compile(rb"^# target: (\S+)\s*$", re.M)
    rejected = accepted = 0
    for path in corpus:
        name = path.name
        listed = [n for n, group in (("schema", SCHEMA_LEVEL), ("semantic", SEMANTIC),
                                     ("yaml", YAML_LEVEL)) if name in group]
        if len(listed) != 1:
            fail(f"tests/bad_inputs/{name} is in {listed or 'no list'}: put it in exactly one of "
                 "SCHEMA_LEVEL, SEMANTIC, YAML_LEVEL")
            continue
        if listed[0] == "yaml":
            continue
        data = path.read_bytes()
        target = target_line.search(data).group(1).decode()
        kind = schema_for(target)
        errors = schemas.errors(kind, load_yaml(data.decode("utf-8")))
        if listed[0] == "schema" and not errors:
            fail(f"tests/bad_inputs/{name} ({SCHEMA_LEVEL[name]}) passes {kind}.schema.json")
        elif listed[0] == "semantic" and errors:
            fail(f"tests/bad_inputs/{name} is listed as semantic, but {kind}.schema.json rejects "
                 f"it (move it to SCHEMA_LEVEL?):\n    " + "\n    ".join(errors[:5]))
        rejected += bool(errors)
        accepted += not errors

    print(f"{len(schemas.documents)} schemas; {checked} shipped files with their modeline; "
          f"bad inputs: {rejected} rejected by the schemas, {accepted} semantic ones passed, "
          f"{len(YAML_LEVEL)} YAML-level ones not parsed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
