package report

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"
)

// marshalV2 writes v as indented JSON the way encoding/json would, by the
// json tags of its fields (name, "-", omitempty, omitzero, embedded structs
// flattened), with the conventions of the v2 documents (report/v2,
// summary/v2, sla/v2):
//
//   - every time.Time is RFC 3339 in loc, the profile's zone, as the
//     report's text is (the same instant as v1's UTC string);
//   - every time.Duration is a number of seconds, and its name ends in _s:
//     a Go tag's _ns becomes _s (duration_ns, written by v1 in nanoseconds,
//     is duration_s).
//
// The Go types keep their _ns tags: the state files the summary writes are
// encoded from them with encoding/json and must stay readable across
// versions; only what users read changed. Lists, <, > and & are left as
// they are (no HTML escaping: log templates are full of them).
func marshalV2(v any, loc *time.Location) ([]byte, error) {
	e := v2encoder{loc: loc}
	if err := e.value(reflect.ValueOf(v)); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, e.buf.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// v2Name is the v2 name of a field that encoding/json calls name.
func v2Name(name string, t reflect.Type) string {
	if t != durationType {
		return name
	}
	return strings.TrimSuffix(name, "_ns") + "_s"
}

var (
	timeType          = reflect.TypeFor[time.Time]()
	durationType      = reflect.TypeFor[time.Duration]()
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

type v2encoder struct {
	loc *time.Location
	buf bytes.Buffer
}

// leaf writes x with encoding/json, without HTML escaping.
func (e *v2encoder) leaf(x any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(x); err != nil {
		return err
	}
	e.buf.Write(bytes.TrimRight(b.Bytes(), "\n"))
	return nil
}

func (e *v2encoder) value(v reflect.Value) error {
	if !v.IsValid() {
		e.buf.WriteString("null")
		return nil
	}
	t := v.Type()
	switch {
	case t == timeType:
		return e.leaf(v.Interface().(time.Time).In(e.loc))
	case t == durationType:
		return e.leaf(time.Duration(v.Int()).Seconds())
	case t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface &&
		(t.Implements(marshalerType) || t.Implements(textMarshalerType)):
		return e.leaf(v.Interface())
	case v.CanAddr() && (reflect.PointerTo(t).Implements(marshalerType) || reflect.PointerTo(t).Implements(textMarshalerType)):
		return e.leaf(v.Addr().Interface())
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			e.buf.WriteString("null")
			return nil
		}
		return e.value(v.Elem())
	case reflect.Struct:
		e.buf.WriteByte('{')
		n := 0
		if err := e.fields(v, &n); err != nil {
			return err
		}
		e.buf.WriteByte('}')
		return nil
	case reflect.Slice:
		if v.IsNil() {
			e.buf.WriteString("null")
			return nil
		}
		if t.Elem().Kind() == reflect.Uint8 {
			return e.leaf(v.Interface())
		}
		fallthrough
	case reflect.Array:
		e.buf.WriteByte('[')
		for i := range v.Len() {
			if i > 0 {
				e.buf.WriteByte(',')
			}
			if err := e.value(v.Index(i)); err != nil {
				return err
			}
		}
		e.buf.WriteByte(']')
		return nil
	case reflect.Map:
		if v.IsNil() {
			e.buf.WriteString("null")
			return nil
		}
		if t.Key().Kind() != reflect.String {
			return fmt.Errorf("json v2: map key type %s", t.Key())
		}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		e.buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				e.buf.WriteByte(',')
			}
			if err := e.leaf(k.String()); err != nil {
				return err
			}
			e.buf.WriteByte(':')
			if err := e.value(v.MapIndex(k)); err != nil {
				return err
			}
		}
		e.buf.WriteByte('}')
		return nil
	}
	return e.leaf(v.Interface())
}

// fields writes the members of struct v, n counting those already written.
func (e *v2encoder) fields(v reflect.Value, n *int) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		fv := v.Field(i)
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				if fv.IsNil() {
					continue
				}
				ft, fv = ft.Elem(), fv.Elem()
			}
			if ft.Kind() == reflect.Struct && ft != timeType {
				if err := e.fields(fv, n); err != nil {
					return err
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if hasOpt(opts, "omitempty") && isEmptyValue(fv) || hasOpt(opts, "omitzero") && isZero(fv) {
			continue
		}
		if hasOpt(opts, "string") {
			return fmt.Errorf("json v2: field %s: the string option is not supported", f.Name)
		}
		if *n > 0 {
			e.buf.WriteByte(',')
		}
		*n++
		if err := e.leaf(v2Name(name, f.Type)); err != nil {
			return err
		}
		e.buf.WriteByte(':')
		if err := e.value(fv); err != nil {
			return err
		}
	}
	return nil
}

func hasOpt(opts, want string) bool {
	for o := range strings.SplitSeq(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

// isEmptyValue is encoding/json's omitempty test.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// isZero is encoding/json's omitzero test: IsZero when the type has it.
func isZero(v reflect.Value) bool {
	if z, ok := v.Interface().(interface{ IsZero() bool }); ok {
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return true
		}
		return z.IsZero()
	}
	return v.IsZero()
}

// ReadJSON reads a JSON document hindsight wrote (report/v2, summary/v2,
// sla/v2) into dst, a pointer to the Go type it was written from: the
// inverse of the v2 naming, seconds back to durations. Times keep the
// offset they were written with.
func ReadJSON(data []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return err
	}
	doc, err := toV1Names(doc, reflect.TypeOf(dst))
	if err != nil {
		return err
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, dst)
}

// toV1Names renames v's members, decoded from JSON, to the Go type t's
// tags, and turns seconds into nanoseconds where t has a duration.
func toV1Names(v any, t reflect.Type) (any, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok || t == timeType {
			return v, nil
		}
		return m, renameFields(m, t)
	case reflect.Slice, reflect.Array:
		l, ok := v.([]any)
		if !ok {
			return v, nil
		}
		for i := range l {
			var err error
			if l[i], err = toV1Names(l[i], t.Elem()); err != nil {
				return nil, err
			}
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return v, nil
		}
		for k := range m {
			var err error
			if m[k], err = toV1Names(m[k], t.Elem()); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}

func renameFields(m map[string]any, t reflect.Type) error {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct && ft != timeType {
				if err := renameFields(m, ft); err != nil {
					return err
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		key, ok := lookupKey(m, v2Name(name, f.Type))
		if !ok {
			continue
		}
		x := m[key]
		if f.Type == durationType {
			n, ok := x.(json.Number)
			if !ok {
				return fmt.Errorf("%s: %v is not a number of seconds", v2Name(name, f.Type), x)
			}
			// ParseDuration reads the decimal exactly; a float only when
			// the number has an exponent.
			d, err := time.ParseDuration(n.String() + "s")
			if err != nil {
				s, ferr := n.Float64()
				if ferr != nil {
					return fmt.Errorf("%s: %w", v2Name(name, f.Type), ferr)
				}
				d = time.Duration(math.Round(s * 1e9))
			}
			delete(m, key)
			m[name] = int64(d)
			continue
		}
		y, err := toV1Names(x, f.Type)
		if err != nil {
			return err
		}
		m[key] = y
	}
	return nil
}

// lookupKey finds the member of m that encoding/json would decode into a
// field named name: that name, else one equal to it but for case.
func lookupKey(m map[string]any, name string) (string, bool) {
	if _, ok := m[name]; ok {
		return name, true
	}
	for k := range m {
		if strings.EqualFold(k, name) {
			return k, true
		}
	}
	return "", false
}
