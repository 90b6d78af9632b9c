package dockerconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Entry is one credHelpers line: docker runs docker-credential-<Helper>
// for Host.
type Entry struct{ Host, Helper string }

// member is where one top-level key's value sits in the file.
type member struct {
	keyStart   int // the key's opening quote
	valueStart int
	valueEnd   int
}

// object is the top-level object's layout.
type object struct {
	open, close int // the offsets of '{' and '}'
	members     map[string]member
	first       *member
	lastEnd     int // where the last member's value ends, or open+1
}

// scan reads the layout of a config file's top-level object.
func scan(data []byte) (*object, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	t, err := dec.Token()
	if err != nil || t != json.Delim('{') {
		return nil, errors.New("it is not a JSON object")
	}
	o := &object{open: int(dec.InputOffset()) - 1, members: map[string]member{}}
	o.lastEnd = o.open + 1
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := kt.(string)
		afterKey := int(dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		end := int(dec.InputOffset())
		m := member{keyStart: bytes.LastIndexByte(data[:afterKey-1], '"'), valueStart: end - len(raw), valueEnd: end}
		// The last of duplicate keys wins, in docker's decoder as here.
		o.members[key] = m
		if o.first == nil {
			o.first = &m
		}
		o.lastEnd = end
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	o.close = int(dec.InputOffset()) - 1
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("there is more after its closing brace")
	}
	return o, nil
}

// CredHelpers returns the file's credHelpers entries in file order. An
// empty file has none.
func CredHelpers(data []byte) ([]Entry, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	o, err := scan(data)
	if err != nil {
		return nil, err
	}
	m, ok := o.members["credHelpers"]
	if !ok {
		return nil, nil
	}
	return parseHelpers(data[m.valueStart:m.valueEnd])
}

func parseHelpers(raw []byte) ([]Entry, error) {
	if string(raw) == "null" {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("its credHelpers is not an object")
	}
	var out []Entry
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, err
		}
		vt, err := dec.Token()
		v, ok := vt.(string)
		if err != nil || !ok {
			return nil, fmt.Errorf("its credHelpers entry for %q is not a string", kt)
		}
		out = append(out, Entry{Host: kt.(string), Helper: v})
	}
	return out, nil
}

// WithCredHelpers returns data with its credHelpers replaced by entries,
// in their order; everything outside credHelpers is kept byte for byte.
// When entries are what the file already has, data comes back as it was.
func WithCredHelpers(data []byte, entries []Entry) ([]byte, error) {
	old, err := CredHelpers(data)
	if err != nil {
		return nil, err
	}
	if slices.Equal(old, entries) {
		return data, nil
	}
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte("{}\n")
	}
	o, err := scan(data)
	if err != nil {
		return nil, err
	}
	if m, ok := o.members["credHelpers"]; ok {
		indent := lineIndent(data, m.keyStart)
		return splice(data, m.valueStart, m.valueEnd, render(entries, indent, multiline(data))), nil
	}
	if o.first == nil {
		// An empty object: written as docker writes a new file.
		v := render(entries, "\t", true)
		return splice(data, o.open, o.close+1, []byte("{\n\t\"credHelpers\": "+string(v)+"\n}")), nil
	}
	indent := lineIndent(data, o.first.keyStart)
	sep := ", "
	if multiline(data) {
		sep = ",\n" + indent
	}
	v := render(entries, indent, multiline(data))
	return splice(data, o.lastEnd, o.lastEnd, []byte(sep+`"credHelpers": `+string(v))), nil
}

// render writes a credHelpers object: one entry a line, indented one
// level below indent (with indent's own character), or on one line when
// the file is written on one line.
func render(entries []Entry, indent string, lines bool) []byte {
	if len(entries) == 0 {
		return []byte("{}")
	}
	unit := "\t"
	if indent != "" && indent[0] == ' ' {
		unit = indent
	}
	var b strings.Builder
	b.WriteString("{")
	for i, e := range entries {
		if i > 0 {
			b.WriteString(",")
		}
		k, _ := json.Marshal(e.Host)
		v, _ := json.Marshal(e.Helper)
		if lines {
			b.WriteString("\n" + indent + unit)
		} else if i > 0 {
			b.WriteString(" ")
		}
		b.Write(k)
		b.WriteString(": ")
		b.Write(v)
	}
	if lines {
		b.WriteString("\n" + indent)
	}
	b.WriteString("}")
	return []byte(b.String())
}

// lineIndent is the white space before offset on its line.
func lineIndent(data []byte, offset int) string {
	start := bytes.LastIndexByte(data[:offset], '\n') + 1
	ind := data[start:offset]
	if len(bytes.TrimLeft(ind, " \t")) != 0 {
		return ""
	}
	return string(ind)
}

func multiline(data []byte) bool { return bytes.Contains(bytes.TrimSpace(data), []byte("\n")) }

func splice(data []byte, from, to int, with []byte) []byte {
	out := make([]byte, 0, len(data)+len(with))
	out = append(out, data[:from]...)
	out = append(out, with...)
	return append(out, data[to:]...)
}
