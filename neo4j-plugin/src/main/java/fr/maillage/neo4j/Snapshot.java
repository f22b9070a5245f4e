// Maillage's whole read of a store, for a server starting without a kept snapshot (graph/territory.py):
// maillage.relationships and maillage.nodes.
//
// Read through Cypher, a metropole's million relationships cost Neo4j some 6 s to write as maps and the
// client 8 s to decode and turn into facts, one after the other on a 2-core machine. This procedure writes
// them in parts that are Python's marshal format (version 4): lists of the tuples graph/snapshot_file.py keeps,
//     (type, source, target, key, properties, (prov_source, prov_line, prov_kind, prov_at)),
// which the client reads in C (marshal.loads) and only wraps. Texts Python would share (graph.model.shared:
// 64 code points at most, and the provenance's) are written "interned", so that marshal shares them too.
//
// Sources in the order of their id, and for each its relationships by type, target and key, Python's order
// of texts (code points): the order the Cypher read gives (graph/stores/neo4j_store.py, ALL_RELATIONSHIPS).
// A property of a type marshal cannot carry (a date, a point, bytes) stops the call: the client then reads
// through Cypher (Neo4jStore.relationships).
package fr.maillage.neo4j;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.neo4j.graphdb.Direction;
import org.neo4j.graphdb.Label;
import org.neo4j.graphdb.Node;
import org.neo4j.graphdb.Relationship;
import org.neo4j.graphdb.ResourceIterator;
import org.neo4j.graphdb.Transaction;
import org.neo4j.procedure.Context;
import org.neo4j.procedure.Description;
import org.neo4j.procedure.Mode;
import org.neo4j.procedure.Name;
import org.neo4j.procedure.Procedure;

@SuppressWarnings("deprecation") // node ids: within one transaction, the cheapest key
public final class Snapshot {
    @Context
    public Transaction tx;

    /** One part: a marshal'd list of relationship tuples. */
    public static final class Part {
        public byte[] data;

        public Part(byte[] data) {
            this.data = data;
        }
    }

    static final Label ENTITY = Label.label("Entity");
    static final int SHARED_TEXT_LENGTH = 64; // graph.model.SHARED_TEXT_LENGTH
    static final Set<String> INTERNAL = Set.of("id", "name", "_hash", "_seq", "key", "prov_source", "prov_line",
            "prov_kind", "prov_at"); // graph.stores.neo4j_store.INTERNAL

    @Procedure(name = "maillage.relationships", mode = Mode.READ)
    @Description("Every relationship of the given types between two Entity nodes, in parts of Python's marshal "
            + "format (Maillage's whole read).")
    public Stream<Part> relationships(@Name("types") List<String> types, @Name("perPart") long perPart) {
        Set<String> wanted = new HashSet<>(types);
        List<Object[]> sources = entities();
        Map<Long, String> ids = new HashMap<>(); // an Entity's id by its node: a relationship's target, read once
        for (Object[] source : sources) {
            ids.put(((Node) source[1]).getId(), (String) source[0]);
        }
        Iterator<Object[]> next = sources.iterator();
        int size = (int) Math.max(1, perPart);
        Iterator<Part> parts = new Iterator<>() {
            private Part ready = fill();

            private Part fill() {
                List<Object[]> rows = new ArrayList<>();
                while (rows.size() < size && next.hasNext()) {
                    Object[] source = next.next();
                    List<Object[]> out = new ArrayList<>();
                    for (Relationship r : ((Node) source[1]).getRelationships(Direction.OUTGOING)) {
                        String type = r.getType().name();
                        if (!wanted.contains(type)) {
                            continue;
                        }
                        String target = ids.get(r.getEndNodeId());
                        if (target == null) { // not an Entity
                            continue;
                        }
                        Map<String, Object> props = r.getAllProperties(); // read once: the key, then the rest
                        out.add(new Object[] {type, target, props.getOrDefault("key", ""), props});
                    }
                    out.sort(ORDER);
                    for (Object[] row : out) {
                        rows.add(new Object[] {row[0], source[0], row[1], row[2], row[3]});
                    }
                }
                return rows.isEmpty() ? null : new Part(encode(rows));
            }

            @Override
            public boolean hasNext() {
                return ready != null;
            }

            @Override
            public Part next() {
                if (ready == null) {
                    throw new NoSuchElementException();
                }
                Part part = ready;
                ready = fill();
                return part;
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(parts, Spliterator.ORDERED), false);
    }

    @Procedure(name = "maillage.nodes", mode = Mode.READ)
    @Description("Every Entity node, in order of id, in parts of Python's marshal format (Maillage's whole read).")
    public Stream<Part> nodes(@Name("perPart") long perPart) {
        List<Object[]> found = entities();
        int size = (int) Math.max(1, perPart);
        List<Part> parts = new ArrayList<>();
        for (int start = 0; start < found.size(); start += size) {
            parts.add(new Part(encodeNodes(found.subList(start, Math.min(found.size(), start + size)))));
        }
        return parts.stream();
    }

    /** Every Entity node with a text id, as [id, node], in order of id (Python's order of texts). */
    List<Object[]> entities() {
        List<Object[]> found = new ArrayList<>();
        try (ResourceIterator<Node> nodes = tx.findNodes(ENTITY)) {
            while (nodes.hasNext()) {
                Node node = nodes.next();
                if (node.getProperty("id", null) instanceof String id) {
                    found.add(new Object[] {id, node});
                }
            }
        }
        found.sort((a, b) -> compareText((String) a[0], (String) b[0]));
        return found;
    }

    /** Nodes as graph/snapshot_file.py keeps them: (kind, id, name, properties, provenance). */
    static byte[] encodeNodes(List<Object[]> rows) {
        Marshal out = new Marshal();
        out.list(rows.size());
        for (Object[] row : rows) {
            Node node = (Node) row[1];
            String kind = null;
            for (Label label : node.getLabels()) { // the first that is not Entity, as the Cypher read takes it
                if (!label.name().equals(ENTITY.name())) {
                    kind = label.name();
                    break;
                }
            }
            if (kind == null) {
                throw new IllegalArgumentException("a node without a kind: " + row[0]);
            }
            Map<String, Object> props = node.getAllProperties();
            out.tuple(5);
            out.text(kind, true);
            out.shared(row[0]);
            out.value(props.getOrDefault("name", ""));
            properties(out, props);
            provenance(out, props);
        }
        return out.bytes();
    }

    /** graph.model.shared_properties(props, INTERNAL): a fact's own properties, names and short texts shared. */
    static void properties(Marshal out, Map<String, Object> props) {
        out.dict();
        for (Map.Entry<String, Object> property : props.entrySet()) {
            if (!INTERNAL.contains(property.getKey())) {
                out.text(property.getKey(), true);
                out.shared(property.getValue());
            }
        }
        out.end();
    }

    /** graph.model.Provenance.from_properties, as a tuple. */
    static void provenance(Marshal out, Map<String, Object> props) {
        out.tuple(4);
        out.text(textOr(props.get("prov_source"), ""), true);
        out.value(props.get("prov_line"));
        out.text(textOr(props.get("prov_kind"), "file"), true);
        out.text(textOr(props.get("prov_at"), ""), true);
    }

    // By type, target and key: Python's order (a key that is not a text last, as Cypher orders mixed types
    // would not matter: keys are texts, graph.rules).
    static final Comparator<Object[]> ORDER = (a, b) -> {
        int c = compareText((String) a[0], (String) b[0]);
        if (c == 0) {
            c = compareText((String) a[1], (String) b[1]);
        }
        if (c == 0) {
            c = compareText(String.valueOf(a[2]), String.valueOf(b[2]));
        }
        return c;
    };

    /** Texts in the order of their code points (Python's), not of their UTF-16 units (Java's). */
    static int compareText(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                boolean sx = Character.isSurrogate(x);
                boolean sy = Character.isSurrogate(y);
                if (sx == sy) {
                    return x - y;
                }
                return sx ? 1 : -1; // a character beyond U+FFFF comes after every other
            }
        }
        return a.length() - b.length();
    }

    static byte[] encode(List<Object[]> rows) {
        Marshal out = new Marshal();
        out.list(rows.size());
        for (Object[] row : rows) {
            @SuppressWarnings("unchecked")
            Map<String, Object> props = (Map<String, Object>) row[4];
            out.tuple(6);
            out.text((String) row[0], true);
            out.shared(row[1]);
            out.shared(row[2]);
            out.shared(row[3]);
            properties(out, props);
            provenance(out, props);
        }
        return out.bytes();
    }

    /** Python's ``value or default`` for a provenance text. */
    static String textOr(Object value, String otherwise) {
        if (value == null || "".equals(value)) {
            return otherwise;
        }
        if (!(value instanceof String)) {
            throw new IllegalArgumentException("a provenance that is not a text: " + value);
        }
        return (String) value;
    }

    /** Python's marshal format, version 4, for what a property holds. A shared text is written once per part,
     *  then referred to (marshal's references: five bytes, and no text to decode again). */
    static final class Marshal {
        private byte[] buffer = new byte[1 << 20];
        private int size;
        private final Map<String, Integer> refs = new HashMap<>();

        byte[] bytes() {
            return java.util.Arrays.copyOf(buffer, size);
        }

        private void room(int more) {
            if (size + more > buffer.length) {
                buffer = java.util.Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
            }
        }

        private void write(int b) {
            room(1);
            buffer[size++] = (byte) b;
        }

        private void write(byte[] data) {
            room(data.length);
            System.arraycopy(data, 0, buffer, size, data.length);
            size += data.length;
        }

        private void int32(int value) {
            room(4);
            buffer[size++] = (byte) value;
            buffer[size++] = (byte) (value >>> 8);
            buffer[size++] = (byte) (value >>> 16);
            buffer[size++] = (byte) (value >>> 24);
        }

        void list(int count) {
            write('[');
            int32(count);
        }

        void tuple(int count) {
            write(')'); // a small tuple: its size in one byte
            write(count);
        }

        void dict() {
            write('{');
        }

        void end() {
            write('0');
        }

        /** graph.model.shared: a short text interned, anything else as it is. */
        void shared(Object value) {
            if (value instanceof String text) {
                text(text, text.codePointCount(0, text.length()) <= SHARED_TEXT_LENGTH);
            } else {
                value(value);
            }
        }

        void text(String text, boolean interned) {
            if (interned) {
                Integer ref = refs.get(text);
                if (ref != null) {
                    write('r');
                    int32(ref);
                    return;
                }
                refs.put(text, refs.size());
            }
            boolean ascii = true;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c >= 0x80) {
                    ascii = false;
                }
                if (Character.isSurrogate(c) && !(Character.isHighSurrogate(c) && i + 1 < text.length()
                        && Character.isLowSurrogate(text.charAt(i + 1)))
                        && !(Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(text.charAt(i - 1)))) {
                    throw new IllegalArgumentException("a text with a lone surrogate");
                }
            }
            byte[] data = text.getBytes(ascii ? StandardCharsets.US_ASCII : StandardCharsets.UTF_8);
            int flag = interned ? 0x80 : 0; // FLAG_REF: the text joins the part's references
            if (ascii && data.length < 256) {
                write((interned ? 'Z' : 'z') | flag);
                write(data.length);
            } else {
                write((ascii ? (interned ? 'A' : 'a') : (interned ? 't' : 'u')) | flag);
                int32(data.length);
            }
            write(data);
        }

        void value(Object value) {
            if (value == null) {
                write('N');
            } else if (value instanceof String text) {
                text(text, false);
            } else if (value instanceof Boolean flag) {
                write(flag ? 'T' : 'F');
            } else if (value instanceof Character character) {
                text(String.valueOf(character), false);
            } else if (value instanceof Long || value instanceof Integer || value instanceof Short
                    || value instanceof Byte) {
                integer(((Number) value).longValue());
            } else if (value instanceof Double || value instanceof Float) {
                write('g');
                long bits = Double.doubleToRawLongBits(((Number) value).doubleValue());
                for (int i = 0; i < 8; i++) {
                    write((int) (bits >>> (8 * i)));
                }
            } else if (value.getClass().isArray() && !(value instanceof byte[])) { // bytes: Python's are not a list
                int length = java.lang.reflect.Array.getLength(value);
                list(length);
                for (int i = 0; i < length; i++) {
                    value(java.lang.reflect.Array.get(value, i));
                }
            } else {
                throw new IllegalArgumentException("a property marshal cannot carry: " + value.getClass());
            }
        }

        void integer(long value) {
            if (value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE) {
                write('i');
                int32((int) value);
                return;
            }
            // TYPE_LONG: the number of 15-bit digits (negative for a negative number), then the digits.
            boolean negative = value < 0;
            java.math.BigInteger rest = java.math.BigInteger.valueOf(value).abs();
            List<Integer> digits = new ArrayList<>();
            java.math.BigInteger base = java.math.BigInteger.valueOf(1 << 15);
            while (rest.signum() > 0) {
                java.math.BigInteger[] qr = rest.divideAndRemainder(base);
                digits.add(qr[1].intValue());
                rest = qr[0];
            }
            write('l');
            int32(negative ? -digits.size() : digits.size());
            for (int digit : digits) {
                write(digit);
                write(digit >>> 8);
            }
        }
    }
}
