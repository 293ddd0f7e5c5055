#!/usr/bin/env python3
"""`flowgate gate` on a CocoaPods-shaped tree of the real manifests (tests/fixtures/manifests), as
a CI job runs it: a folder argument, SDKs named by their package, an xcframework with two slices
gated once, a stray README skipped with a note, the text within its budget, SARIF that GitHub
accepts, and the baseline (write, accept, stale, new finding).

    gate_cli_check.py FLOWGATE POLICY_DIR FIXTURES_DIR SCHEMA GOLDEN_DIR

The default text, and the text of a baselined run with a stale entry and a new SDK, are compared
with tests/golden/gate-cocoapods*.txt; with FLOWGATE_UPDATE_GOLDEN=1 they are rewritten from this
run (review the change).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sarif_github_check import check_log  # noqa: E402

BUDGET = 120
# fixture folder → where CocoaPods puts the pod's manifest, and the name the gate must give it.
PODS = {
    "adjust": ("Pods/Adjust/Adjust", "Adjust"),
    "alamofire": ("Pods/Alamofire/Source", "Alamofire"),
    "amplitude-swift": ("Pods/AmplitudeSwift/Sources/Amplitude", "AmplitudeSwift"),
    "branch": ("Pods/BranchSDK/Sources/Resources", "BranchSDK"),
    "chartboost-core": ("Pods/ChartboostCoreSDK", "ChartboostCoreSDK"),
    "firebase-auth": ("Pods/FirebaseAuth/FirebaseAuth/Sources/Resources", "FirebaseAuth"),
    "firebase-core": ("Pods/FirebaseCore/FirebaseCore/Sources/Resources", "FirebaseCore"),
    "firebase-crashlytics": ("Pods/FirebaseCrashlytics/Crashlytics/Resources", "FirebaseCrashlytics"),
    "firebase-firestore": ("Pods/FirebaseFirestore/Firestore/Source/Resources", "FirebaseFirestore"),
    "firebase-installations": ("Pods/FirebaseInstallations/FirebaseInstallations/Source/Library/Resources",
                               "FirebaseInstallations"),
    "firebase-messaging": ("Pods/FirebaseMessaging/FirebaseMessaging/Sources/Resources", "FirebaseMessaging"),
    "firebase-remoteconfig": ("Pods/FirebaseRemoteConfig/FirebaseRemoteConfig/Swift/Resources",
                              "FirebaseRemoteConfig"),
    "google-signin": ("Pods/GoogleSignIn/GoogleSignIn/Sources/Resources", "GoogleSignIn"),
    "mixpanel-swift": ("Pods/Mixpanel-swift/Sources/Mixpanel", "Mixpanel-swift"),
    "revenuecat": ("Pods/RevenueCat/Sources", "RevenueCat"),
    "sdwebimage": ("Pods/SDWebImage/WebImage", "SDWebImage"),
    "sentry-cocoa": ("Pods/Sentry/Sources/Resources", "Sentry"),
}
SLICES = ["ios-arm64", "ios-arm64_x86_64-simulator"]

failures = []


def check(ok, what):
    print(f"{'ok' if ok else 'FAIL'}: {what}")
    if not ok:
        failures.append(what)


def build_tree(root, fixtures):
    for fixture, (folder, _) in PODS.items():
        os.makedirs(os.path.join(root, folder))
        shutil.copy(os.path.join(fixtures, "manifests", fixture, "PrivacyInfo.xcprivacy"),
                    os.path.join(root, folder))
    for s in SLICES:
        folder = os.path.join(root, "Pods/Intercom/Intercom.xcframework", s, "Intercom.framework")
        os.makedirs(folder)
        shutil.copy(os.path.join(fixtures, "manifests/intercom/PrivacyInfo.xcprivacy"), folder)
    # What else a Pods folder and a glob bring along.
    open(os.path.join(root, "Pods/Manifest.lock"), "w").write("PODFILE CHECKSUM: 0\n")
    os.makedirs(os.path.join(root, "Pods/Target Support Files/Pods-App"))
    open(os.path.join(root, "Pods/Target Support Files/Pods-App/settings.yaml"), "w").write("a: 1\n")
    open(os.path.join(root, "README.md"), "w").write("# The app\n")


def gate(flowgate, policy, args, cwd):
    p = subprocess.run([flowgate, "gate", "--policy", policy, "--as-of", "2026-11-29"] + args, cwd=cwd,
                       capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def golden(golden_dir, name, text):
    path = os.path.join(golden_dir, name)
    if os.environ.get("FLOWGATE_UPDATE_GOLDEN") == "1":
        open(path, "w").write(text)
    expected = open(path).read() if os.path.exists(path) else ""
    if text != expected:
        import difflib
        print("".join(difflib.unified_diff(expected.splitlines(True), text.splitlines(True), path, "this run")))
    check(text == expected, f"the text equals {name} (FLOWGATE_UPDATE_GOLDEN=1 rewrites it)")


def sdk_lines(out):
    return [l for l in out.splitlines() if re.match(r"^  (FAIL|pass)  ", l)]


def main(flowgate, policy, fixtures, schema_path, golden_dir):
    flowgate, policy, fixtures, golden_dir = map(os.path.abspath, (flowgate, policy, fixtures, golden_dir))
    schema = json.load(open(schema_path))
    with tempfile.TemporaryDirectory() as root:
        build_tree(root, fixtures)

        # The default text: a folder and a stray README, as `flowgate gate Pods *.md` gives them.
        status, out, err = gate(flowgate, policy, ["Pods", "README.md"], root)
        lines = out.splitlines()
        print(out)
        check(status == 1, f"a failing tree exits 1 (got {status}; stderr: {err.strip()[:300]})")
        check(len(lines) <= BUDGET, f"{len(lines)} lines of text, within the budget of {BUDGET}")
        check("skipped README.md" in err, "the README is skipped with a note, not an error")
        names = [re.match(r"^  (?:FAIL|pass)  (\S+)", l).group(1) for l in sdk_lines(out)]
        expected = sorted([name for _, name in PODS.values()] + ["Intercom"])
        check(sorted(names) == expected, f"each SDK once, named by its package: {sorted(names)}")
        check("Resources" not in names, "no SDK is named after a Resources folder")
        findings = [l for l in lines if "error[" in l]
        check(len(findings) == len(set(findings)), "no finding printed twice")
        check(all(" — fix: " in l for l in findings), "every failing finding ends with its fix")
        check(not any("consistent" in l and "FAIL" in l for l in lines), "no flow is both consistent and FAIL")
        ban = [l for l in findings if "PhotosorVideos" in l]
        check(len(ban) == 1 and "media-stays-on-device" in ban[0] and "eu-minors" not in ban[0],
              "the every-subject ban is blamed on the rule that bans it, not on the EU-minor rule")
        check(any("Intercom: error[" in l for l in findings) and
              sum("Intercom.xcframework" in l for l in findings) == len(set(
                  l.split(": error[")[1] for l in findings if "Intercom: error[" in l)),
              "the xcframework's findings are reported once, not once per slice")
        check(lines[-1].startswith("gate: FAIL"), "the last line is the verdict")
        golden(golden_dir, "gate-cocoapods.txt", out)

        # --verbose keeps the per-subject matrix.
        status, verbose, _ = gate(flowgate, policy, ["Pods", "--verbose"], root)
        check(status == 1 and "Subject classes" in verbose and len(verbose.splitlines()) > len(lines),
              "--verbose prints the per-subject matrix")
        check(not any("consistent" in l and "FAIL" in l for l in verbose.splitlines()),
              "--verbose never calls a flow both consistent and FAIL")
        # A failing entry's readings are never labelled consistent: the failure is said.
        entry, bad = None, []
        for l in verbose.splitlines():
            if re.match(r"^  \S", l) and not l.startswith("  Pods/"):
                entry = l
            elif l.startswith("      [") and entry and entry.strip().startswith("FAIL") and "] consistent " in l:
                if re.search(r"denied for", l):
                    bad.append(l)
        check(not bad and any("] unrouted " in l for l in verbose.splitlines()),
              f"a failing, denied reading is labelled by why it fails (unrouted): {bad[:1]}")

        # JSON: the groups and the SDK verdicts, complete.
        status, js, _ = gate(flowgate, policy, ["Pods", "--format", "json"], root)
        j = json.loads(js)
        failing = [g for g in j["groups"] if g["level"] == "error" and not g["baselined"]]
        check(status == 1 and not j["passed"] and len(failing) == len(findings) and
              all(g["fingerprint"] and g["fix"] and g["line"] > 0 for g in j["groups"]) and
              sorted(s["name"] for s in j["sdks"]) == expected,
              "JSON lists every group with its fix, fingerprint and location, and every SDK")

        # SARIF for code scanning.
        status, sarif, _ = gate(flowgate, policy, ["Pods", "--format", "sarif"], root)
        log = json.loads(sarif)
        problems = check_log(log, schema, root)
        check(status == 1 and not problems, f"the SARIF passes the schema and GitHub's constraints {problems[:3]}")
        uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
        check(all(u.startswith("Pods/") or u == "data_inventory.yaml" or u.endswith("data_inventory.yaml")
                  for u in uris), f"results point into the manifests they come from: {sorted(uris)[:3]}")

        # The baseline: accept today's findings, then fail only on new ones.
        status, _, err = gate(flowgate, policy, ["Pods", "--baseline", "gate-baseline.yaml", "--write-baseline"], root)
        baseline = open(os.path.join(root, "gate-baseline.yaml")).read()
        entries = baseline.count("- fingerprint:")
        check(status == 0 and entries == len(findings) and "TODO: review" in baseline,
              f"--write-baseline writes one entry per failing finding ({entries} of {len(findings)})")
        open(os.path.join(root, "gate-baseline.yaml"), "w").write(
            baseline.replace("TODO: review", "reviewed: the vendor contract covers it"))
        # Lines move (a comment above every entry): the fingerprints still match.
        adjust = os.path.join(root, PODS["adjust"][0], "PrivacyInfo.xcprivacy")
        text = open(adjust).read()
        open(adjust, "w").write(text.replace("<dict>", "<!-- moved -->\n<dict>", 1))
        status, out, _ = gate(flowgate, policy, ["Pods", "--baseline", "gate-baseline.yaml"], root)
        check(status == 0 and f"Baselined: {entries} finding groups" in out and "Stale" not in out,
              "a baselined tree passes, the accepted findings counted in one line, lines moved or not")
        check(len(out.splitlines()) <= len(names) + 4, "baselined findings are not listed one by one")
        # An SDK removed: its entries are stale. One added: it fails.
        shutil.rmtree(os.path.join(root, "Pods/Sentry"))
        os.makedirs(os.path.join(root, "Pods/Branch2/Sources/Resources"))
        shutil.copy(os.path.join(fixtures, "manifests/branch/PrivacyInfo.xcprivacy"),
                    os.path.join(root, "Pods/Branch2/Sources/Resources"))
        status, out, _ = gate(flowgate, policy, ["Pods", "--baseline", "gate-baseline.yaml"], root)
        check(status == 1 and "Stale baseline entries: 3" in out and "Branch2: error[" in out and
              "BranchSDK: error[" not in out, "stale entries reported; a new SDK's findings fail")
        golden(golden_dir, "gate-cocoapods-baselined.txt", out)

        # Slices that disagree: one SDK still, and a warning naming the slice.
        sim = os.path.join(root, "Pods/Intercom/Intercom.xcframework", SLICES[1], "Intercom.framework",
                           "PrivacyInfo.xcprivacy")
        text = open(sim).read()
        open(sim, "w").write(text.replace("NSPrivacyCollectedDataTypeEmailAddress",
                                          "NSPrivacyCollectedDataTypeCrashData"))
        status, out, _ = gate(flowgate, policy, ["Pods", "--verbose"], root)
        check("gate-slices-disagree" in out and SLICES[1] in out and
              sum(1 for l in out.splitlines() if l.startswith("Intercom (")) == 1,
              "disagreeing slices: one SDK, gated on their union, with a warning")

        # Same name, two packages: two SDKs, never merged.
        vendor = os.path.join(root, "vendor/Adjust.xcframework/ios-arm64/Adjust.framework")
        os.makedirs(vendor)
        shutil.copy(os.path.join(fixtures, "manifests/adjust/PrivacyInfo.xcprivacy"), vendor)
        status, out, _ = gate(flowgate, policy, ["Pods", "vendor"], root)
        adjusts = [l for l in sdk_lines(out) if "Adjust" in l]
        check(len(adjusts) == 2 and "Adjust (Pods/Adjust)" in out and "Adjust (vendor/Adjust.xcframework)" in out,
              "two SDKs named Adjust stay two, each with its package")

        # A malformed manifest: exit 2, named with its line, and the rest still gated.
        os.makedirs(os.path.join(root, "Pods/Broken"))
        open(os.path.join(root, "Pods/Broken/PrivacyInfo.xcprivacy"), "w").write("<plist><dict>\n<key>x</dict>")
        status, out, err = gate(flowgate, policy, ["Pods"], root)
        check(status == 2 and re.search(r"Pods/Broken/PrivacyInfo.xcprivacy:\d+:\d+: error", err) and
              len(sdk_lines(out)) >= len(PODS), "a malformed manifest: exit 2, located, the others still reported")
        status, _, err = gate(flowgate, policy, ["no-such-folder"], root)
        check(status == 2 and "no-such-folder" in err, "a missing argument: exit 2, named")
        os.makedirs(os.path.join(root, "empty"))
        status, _, err = gate(flowgate, policy, ["empty"], root)
        check(status == 2 and "found no privacy manifest" in err, "nothing to gate: exit 2, not a pass")
    print(f"{len(failures)} failures" if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:6]))
