// Package deploy holds the AWS SAM template (template.yaml) and its tests:
// cfn-lint, the REST API mapping template's event, and the reproducible
// Lambda package that "make package" builds.
package deploy

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twilioguard/twilioguard/signature"
)

// need returns the path of a tool the test needs. A missing tool fails the
// test, or skips it under -short.
func need(t *testing.T, tool, install string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		if testing.Short() {
			t.Skipf("-short: %s not found", tool)
		}
		t.Fatalf("%s not found in PATH: %s", tool, install)
	}
	return p
}

// TestCfnLint runs the Python cfn-lint (https://github.com/aws-cloudformation/cfn-lint),
// which expands the SAM transform, on the template, informational findings
// included.
func TestCfnLint(t *testing.T) {
	lint := need(t, "cfn-lint", "pip install cfn-lint")
	out, err := exec.Command(lint, "--include-checks", "I",
		"--non-zero-exit-code", "informational", "template.yaml").CombinedOutput()
	if err != nil {
		t.Errorf("cfn-lint template.yaml: %v\n%s", err, out)
	}
}

// restEvent is the event the REST API's body mapping template makes of a
// form POST: the "safe mapping-template event".
type restEvent struct {
	Kind       string `json:"twilioguardEvent"`
	Signature  string `json:"signature"`
	DomainName string `json:"domainName"`
	Path       string `json:"path"`
	Idempotent string `json:"idempotencyToken"`
	BodyBase64 string `json:"bodyBase64"`
}

// TestMappingTemplate renders the template's request mapping template with
// the values API Gateway would substitute, for a body that splitting in
// VTL would break, and checks that the event is the JSON of
// testdata/rest-mapping-template-v1.json, carrying the body byte for byte.
func TestMappingTemplate(t *testing.T) {
	vtl := requestTemplate(t)
	body := "Body=a%3Db%26c%3D%22%5C+%2B+%F0%9F%A6%89&From=%2B15555550199&To=%2B15555550100"
	vars := map[string]string{
		`$util.escapeJavaScript($input.params('X-Twilio-Signature'))`:         "+yShDKvLZ6Ig+j8thLxh8J22yO4=",
		`$util.escapeJavaScript($context.domainName)`:                         "abc123defg.execute-api.us-east-1.amazonaws.com",
		`$util.escapeJavaScript($context.path)`:                               "/prod/sms",
		`$util.escapeJavaScript($input.params('I-Twilio-Idempotency-Token'))`: "00000000-0000-0000-0000-000000000042",
		`$util.base64Encode($input.body)`:                                     base64.StdEncoding.EncodeToString([]byte(body)),
	}
	rendered := vtl
	for expr, value := range vars {
		if !strings.Contains(rendered, expr) {
			t.Fatalf("the mapping template lacks %s", expr)
		}
		rendered = strings.ReplaceAll(rendered, expr, value)
	}
	if strings.Contains(rendered, "$") {
		t.Fatalf("unsubstituted VTL left:\n%s", rendered)
	}

	var got, want restEvent
	if err := unmarshalStrict([]byte(rendered), &got); err != nil {
		t.Fatalf("the rendered event is not the expected JSON: %v\n%s", err, rendered)
	}
	fixture, err := os.ReadFile("testdata/rest-mapping-template-v1.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := unmarshalStrict(fixture, &want); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("got event %+v, want the fixture %+v", got, want)
	}
	raw, _ := base64.StdEncoding.DecodeString(got.BodyBase64)
	if string(raw) != body {
		t.Errorf("body: got %q, want %q", raw, body)
	}
	// The fixture is a genuine call: signed with fixtureToken for
	// https:// + domainName + path, the URL Twilio was given.
	form, err := url.ParseQuery(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	v, _ := signature.NewValidator(fixtureToken)
	if err := v.Validate("https://"+got.DomainName+got.Path, form, got.Signature); err != nil {
		t.Errorf("the fixture's signature: %v", err)
	}
}

// fixtureToken signed testdata/rest-mapping-template-v1.json.
const fixtureToken = "deploy-fixture-token"

func unmarshalStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// requestTemplate returns the REST API's request mapping template for
// forms, the literal block under "application/x-www-form-urlencoded: |".
func requestTemplate(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile("template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	var b strings.Builder
	indent := -1
	for _, line := range lines {
		depth := len(line) - len(strings.TrimLeft(line, " "))
		switch {
		case indent < 0 && strings.TrimSpace(line) == "application/x-www-form-urlencoded: |":
			indent = depth
		case indent >= 0 && depth > indent:
			b.WriteString(line[indent+2:] + "\n")
		case indent >= 0:
			return b.String()
		}
	}
	t.Fatal("template.yaml has no request template for application/x-www-form-urlencoded")
	return ""
}

// TestPackage runs "make package" twice, into a directory of its own
// rather than dist/: both runs must write the same bytes, an arm64 Linux
// executable named bootstrap alone at the root.
func TestPackage(t *testing.T) {
	need(t, "make", "install make (Debian: apt-get install make)")
	if testing.Short() {
		t.Skip("-short: skipping two cross-compilations")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dist := t.TempDir()
	zipPath := filepath.Join(dist, "bootstrap.zip")
	var runs [2][]byte
	for i := range runs {
		start := time.Now()
		cmd := exec.Command("make", "-s", "package", "DIST="+dist)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("make package: %v\n%s", err, out)
		}
		if runs[i], err = os.ReadFile(zipPath); err != nil {
			t.Fatal(err)
		}
		t.Logf("run %d: %v, bootstrap.zip is %d bytes", i+1,
			time.Since(start).Round(time.Millisecond), len(runs[i]))
	}
	if !bytes.Equal(runs[0], runs[1]) {
		t.Fatal("two runs of make package wrote different archives")
	}

	r, err := zip.NewReader(bytes.NewReader(runs[0]), int64(len(runs[0])))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.File) != 1 || r.File[0].Name != "bootstrap" || r.File[0].Mode() != 0o755 {
		t.Fatalf("want one entry, bootstrap, mode 0755; got %d entries, first %s %v",
			len(r.File), r.File[0].Name, r.File[0].Mode())
	}
	checkARM64(t, r.File[0])
}

// TestSAMBuildTarget runs the Makefile target "sam build" runs, as SAM
// does: in the directory of CodeUri (the repository root) with
// ARTIFACTS_DIR set.
func TestSAMBuildTarget(t *testing.T) {
	need(t, "make", "install make (Debian: apt-get install make)")
	if testing.Short() {
		t.Skip("-short: skipping a cross-compilation")
	}
	artifacts := t.TempDir()
	cmd := exec.Command("make", "-s", "build-TwilioGuardFunction", "ARTIFACTS_DIR="+artifacts)
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make build-TwilioGuardFunction: %v\n%s", err, out)
	}
	f, err := os.Open(filepath.Join(artifacts, "bootstrap"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if info, _ := f.Stat(); info.Mode()&0o111 == 0 {
		t.Errorf("bootstrap is not executable: %v", info.Mode())
	}
	checkELF(t, f)
}

func checkARM64(t *testing.T, f *zip.File) {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(rc); err != nil {
		t.Fatal(err)
	}
	checkELF(t, bytes.NewReader(buf.Bytes()))
}

// checkELF checks that r is a static arm64 Linux executable.
func checkELF(t *testing.T, r io.ReaderAt) {
	t.Helper()
	exe, err := elf.NewFile(r)
	if err != nil {
		t.Fatalf("bootstrap is not an ELF executable: %v", err)
	}
	if exe.Machine != elf.EM_AARCH64 || exe.Type != elf.ET_EXEC {
		t.Errorf("bootstrap is %v %v, want an arm64 executable", exe.Machine, exe.Type)
	}
	for _, p := range exe.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("bootstrap is dynamically linked, want static (CGO_ENABLED=0)")
		}
	}
}
