package parity

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// nodeDir holds the oracle script and its pinned dependencies.
const nodeDir = "node"

const installHint = "run `npm ci --prefix parity/node` from the repository root"

// nodeOp is one question to node/oracle.js; see the comment at its top.
type nodeOp struct {
	Op       string  `json:"op"`
	Form     string  `json:"form,omitempty"`
	Token    string  `json:"token"`
	Header   string  `json:"header,omitempty"`
	URL      string  `json:"url"`
	P        int     `json:"p"`
	Body     *string `json:"body,omitempty"`
	Settings string  `json:"settings,omitempty"`
}

// nodeResult is the oracle's answer to one nodeOp.
type nodeResult struct {
	Sig       string   `json:"sig"`
	OK        bool     `json:"ok"`
	Forms     []string `json:"forms"`
	SignedURL string   `json:"signedURL"`
	Err       string   `json:"err"`
}

// batch collects questions for one run of the oracle. Parameter sets are
// sent once and referred to by index.
type batch struct {
	Params []map[string]any `json:"params"`
	Ops    []nodeOp         `json:"ops"`
}

// addParams stores params as Express's body parsers would hand them to the
// library: a string for a key sent once, an array for a repeated key.
func (b *batch) addParams(params url.Values) int {
	m := make(map[string]any, len(params))
	for k, vs := range params {
		if len(vs) == 1 {
			m[k] = vs[0]
		} else {
			m[k] = vs
		}
	}
	b.Params = append(b.Params, m)
	return len(b.Params) - 1
}

func (b *batch) add(op nodeOp) int {
	b.Ops = append(b.Ops, op)
	return len(b.Ops) - 1
}

// oracle checks that the pinned library is installed, installing it with
// npm ci from the lock file on first use, and returns a function that runs a
// batch through it. Without the library the test fails, or is skipped under
// -short (which installs nothing).
func oracle(t *testing.T) func(*batch) []nodeResult {
	t.Helper()
	err := oracleReady()
	if err != nil && !testing.Short() {
		installOnce.Do(func() { installErr = install() })
		if err = oracleReady(); err != nil && installErr != nil {
			err = fmt.Errorf("%v (npm ci: %v)", err, installErr)
		}
	}
	if err != nil {
		if testing.Short() {
			t.Skipf("Twilio's Node library is not usable (%v); %s", err, installHint)
		}
		t.Fatalf("Twilio's Node library is not usable: %v; %s", err, installHint)
	}
	return func(b *batch) []nodeResult {
		t.Helper()
		return runOracle(t, b)
	}
}

var (
	installOnce sync.Once
	installErr  error
)

// install runs npm ci in nodeDir: the pinned library, from the committed
// lock file, from the npm registry.
func install() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = nodeDir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

// oracleReady reports why the oracle cannot run: no node binary, no
// node_modules, or an installed twilio that is not the pinned one.
func oracleReady() error {
	if _, err := exec.LookPath("node"); err != nil {
		return err
	}
	var pkg struct{ Dependencies map[string]string }
	if err := readJSON(filepath.Join(nodeDir, "package.json"), &pkg); err != nil {
		return err
	}
	var installed struct{ Version string }
	err := readJSON(filepath.Join(nodeDir, "node_modules", "twilio", "package.json"), &installed)
	if errors.Is(err, os.ErrNotExist) {
		return errors.New("parity/node/node_modules/twilio is missing")
	}
	if err != nil {
		return err
	}
	if pin := pkg.Dependencies["twilio"]; installed.Version != pin {
		return errors.New("installed twilio " + installed.Version + " is not the pinned " + pin)
	}
	return nil
}

func readJSON(name string, v any) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

func runOracle(t *testing.T, b *batch) []nodeResult {
	t.Helper()
	in, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	cmd := exec.CommandContext(ctx, "node", "oracle.js")
	cmd.Dir = nodeDir
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node oracle.js: %v\n%s", err, stderr.Bytes())
	}

	var reply struct {
		Twilio  string
		Node    string
		Results []nodeResult
	}
	if err := json.Unmarshal(out, &reply); err != nil {
		t.Fatalf("node oracle.js: bad reply: %v", err)
	}
	if len(reply.Results) != len(b.Ops) {
		t.Fatalf("node oracle.js: %d results for %d questions", len(reply.Results), len(b.Ops))
	}
	t.Logf("oracle: twilio@%s on node %s, %d questions", reply.Twilio, reply.Node, len(b.Ops))
	return reply.Results
}
