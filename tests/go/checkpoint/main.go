// Command checkpoint checks raslog's C2SP tlog-checkpoint with Go's
// golang.org/x/mod/sumdb/note and sumdb/tlog, code nobody at raslog wrote
// (tests/api/11-checkpoint.sh builds it offline from Debian's
// golang-golang-x-mod-dev in GOPATH mode).
//
//	checkpoint NOTE VERIFIER_KEY HEAD.json ENTRY.json PROOF.json OLDHEAD.json CONSISTENCY.json
//
// NOTE is GET /ledger/checkpoint, VERIFIER_KEY /ledger/key's
// "note_verifier_key", HEAD.json /ledger/head, ENTRY.json one export line
// (full or redacted), PROOF.json its /ledger/proof at the head's size,
// OLDHEAD.json an earlier /ledger/head and CONSISTENCY.json
// /ledger/consistency from that size to the head's.  It checks:
//   - note.Open verifies the note's signature under the verifier key;
//   - the text is a checkpoint: origin (= the key name), tree size, base64
//     root hash, and nothing else;
//   - size and root equal HEAD.json's tree_size and root_hash;
//   - the entry's leaf hash (tlog.RecordHash(message || signature ||
//     public_key), or the redacted line's leaf_hash) is in the tree:
//     tlog.CheckRecord with the proof;
//   - the old head's tree is a prefix of the new one: tlog.CheckTree.
//
// Prints "checkpoint: OK ..." and exits 0, or the failure and exits 1.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type head struct {
	TreeSize int64  `json:"tree_size"`
	RootHash string `json:"root_hash"`
}

type entry struct {
	Index     int64  `json:"index"`
	Message   string `json:"message"`
	PublicKey string `json:"public_key"`
	Signature string `json:"signature"`
	LeafHash  string `json:"leaf_hash"`
}

type proof struct {
	LeafIndex int64    `json:"leaf_index"`
	TreeSize  int64    `json:"tree_size"`
	First     int64    `json:"first"`
	Second    int64    `json:"second"`
	Hashes    []string `json:"hashes"`
}

func die(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "checkpoint: "+format+"\n", args...)
	os.Exit(1)
}

func load(path string, v interface{}) {
	b, err := os.ReadFile(path)
	if err != nil {
		die("%v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		die("%s: %v", path, err)
	}
}

func hexHash(what, s string) tlog.Hash {
	var h tlog.Hash
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(h) {
		die("%s is not 64 hex digits: %q", what, s)
	}
	copy(h[:], b)
	return h
}

func hashes(p proof) []tlog.Hash {
	out := make([]tlog.Hash, len(p.Hashes))
	for i, s := range p.Hashes {
		out[i] = hexHash("a proof hash", s)
	}
	return out
}

func main() {
	if len(os.Args) != 8 {
		fmt.Fprintln(os.Stderr, "usage: checkpoint NOTE VERIFIER_KEY HEAD.json ENTRY.json PROOF.json OLDHEAD.json CONSISTENCY.json")
		os.Exit(2)
	}
	msg, err := os.ReadFile(os.Args[1])
	if err != nil {
		die("%v", err)
	}
	verifier, err := note.NewVerifier(os.Args[2])
	if err != nil {
		die("the verifier key %q: %v", os.Args[2], err)
	}
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		die("note.Open: %v", err)
	}
	if len(n.Sigs) != 1 || n.Sigs[0].Name != verifier.Name() || n.Sigs[0].Hash != verifier.KeyHash() {
		die("the note is not signed once by %s", verifier.Name())
	}

	// C2SP tlog-checkpoint body: origin, size, root, then only extension lines (none here).
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) != 3 {
		die("the checkpoint body has %d lines, want 3: %q", len(lines), n.Text)
	}
	if lines[0] != verifier.Name() {
		die("the origin %q is not the key name %q", lines[0], verifier.Name())
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		die("the tree size %q is not a decimal number", lines[1])
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	var root tlog.Hash
	if err != nil || len(raw) != len(root) {
		die("the root hash %q is not base64 of 32 bytes", lines[2])
	}
	copy(root[:], raw)

	var h head
	load(os.Args[3], &h)
	if h.TreeSize != size || hexHash("the head's root_hash", h.RootHash) != root {
		die("the checkpoint (%d, %s) is not the head (%d, %s)", size, root, h.TreeSize, h.RootHash)
	}

	var e entry
	load(os.Args[4], &e)
	var leaf tlog.Hash
	if e.LeafHash != "" {
		leaf = hexHash("the entry's leaf_hash", e.LeafHash)
	} else {
		sig, err1 := base64.StdEncoding.DecodeString(e.Signature)
		pk, err2 := base64.StdEncoding.DecodeString(e.PublicKey)
		if err1 != nil || err2 != nil {
			die("the entry's signature or public key is not base64")
		}
		var data bytes.Buffer
		data.WriteString(e.Message)
		data.Write(sig)
		data.Write(pk)
		leaf = tlog.RecordHash(data.Bytes()) // SHA-256(0x00 || data), RFC 6962 = RFC 9162
	}
	var p proof
	load(os.Args[5], &p)
	if p.LeafIndex != e.Index || p.TreeSize != size {
		die("the inclusion proof is for entry %d of %d, not %d of %d", p.LeafIndex, p.TreeSize, e.Index, size)
	}
	if err := tlog.CheckRecord(hashes(p), size, root, e.Index, leaf); err != nil {
		die("tlog.CheckRecord(entry %d in %d): %v", e.Index, size, err)
	}

	var old head
	load(os.Args[6], &old)
	var c proof
	load(os.Args[7], &c)
	if c.First != old.TreeSize || c.Second != size {
		die("the consistency proof is from %d to %d, not %d to %d", c.First, c.Second, old.TreeSize, size)
	}
	if err := tlog.CheckTree(hashes(c), size, root, old.TreeSize, hexHash("the old head's root_hash", old.RootHash)); err != nil {
		die("tlog.CheckTree(%d -> %d): %v", old.TreeSize, size, err)
	}
	fmt.Printf("checkpoint: OK: %s signed size %d root %s; entry %d included; consistent with size %d\n",
		verifier.Name(), size, hex.EncodeToString(root[:]), e.Index, old.TreeSize)
}
