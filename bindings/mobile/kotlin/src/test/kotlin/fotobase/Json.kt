package fotobase

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.contentOrNull
import kotlinx.serialization.json.jsonPrimitive

/** Values whose keys are data (encoder parameters, extra claims, wire documents), never renamed. */
private val PAYLOADS = setOf("params", "claims", "jwks", "discovery", "response")

fun parseJson(text: String): JsonElement = Json.parseToJsonElement(text)

fun JsonObject.str(k: String): String? = (this[k] as? JsonPrimitive)?.contentOrNull

/** `maxBytes` → `max_bytes`. */
fun snake(k: String) = k.replace(Regex("[A-Z]")) { "_" + it.value.lowercase() }

/** `max_bytes` → `maxBytes`. */
fun camel(k: String) = k.replace(Regex("_([a-z0-9])")) { it.groupValues[1].uppercase() }

/** Case arguments as a Kotlin caller names them: camelCase, except inside payloads. */
fun camelArgs(v: JsonElement): JsonElement = when (v) {
    is JsonObject -> JsonObject(v.entries.associate { (k, x) -> camel(k) to if (k in PAYLOADS) x else camelArgs(x) })
    is JsonArray -> JsonArray(v.map(::camelArgs))
    else -> v
}

fun keysToSnake(v: JsonElement): JsonElement = when (v) {
    is JsonObject -> JsonObject(v.entries.associate { (k, x) -> snake(k) to if (k in PAYLOADS) x else keysToSnake(x) })
    is JsonArray -> JsonArray(v.map(::keysToSnake))
    else -> v
}

/** A JSON object from Kotlin property names (snake_cased) and values. */
fun obj(vararg fields: Pair<String, Any?>) = JsonObject(fields.associate { (k, v) -> snake(k) to toJson(v) })

fun toJson(v: Any?): JsonElement = when (v) {
    null -> JsonNull
    is JsonElement -> v
    is String -> JsonPrimitive(v)
    is Boolean -> JsonPrimitive(v)
    // JSON has no infinity: like the core, a non-finite metric is null.
    is Double -> if (v.isFinite()) JsonPrimitive(v) else JsonNull
    is Number -> JsonPrimitive(v)
    is UInt -> JsonPrimitive(v.toLong())
    is ULong -> JsonPrimitive(v.toString().toBigInteger())
    is UByte -> JsonPrimitive(v.toInt())
    is List<*> -> JsonArray(v.map(::toJson))
    else -> error("no JSON form for ${v::class}")
}

fun hex(s: String) = ByteArray(s.length / 2) { i -> s.substring(2 * i, 2 * i + 2).toInt(16).toByte() }

// --- matchers (testdata/cases/README.md) ---------------------------------------------------

private val MATCHER_KEYS = setOf("min", "max", "approx", "tol", "prefix", "contains", "has", "absent", "one_of")

/** Every `path → matcher` of `expect` against `result`; the first mismatch, or null. */
fun check(expect: JsonObject, result: JsonElement): String? {
    for ((path, matcher) in expect) {
        matches(matcher, lookup(result, path))?.let { return "$path: $it" }
    }
    return null
}

fun lookup(v: JsonElement, path: String): JsonElement? {
    if (path == "$") return v
    var cur: JsonElement = v
    for (seg in path.split('.')) {
        cur = when {
            seg == "length" && cur is JsonArray -> JsonPrimitive(cur.size)
            seg == "length" && cur is JsonPrimitive && cur.isString -> JsonPrimitive(cur.content.codePointCount(0, cur.content.length))
            cur is JsonArray && seg.toIntOrNull() != null -> cur.getOrNull(seg.toInt()) ?: return null
            cur is JsonObject -> cur[seg] ?: return null
            else -> return null
        }
    }
    return cur.takeUnless { it is JsonNull }
}

private fun num(got: JsonElement?): Double =
    (got as? JsonPrimitive)?.takeUnless { it.isString }?.content?.toDoubleOrNull() ?: throw Mismatch("expected a number, got $got")

private class Mismatch(msg: String) : Exception(msg)

fun matches(m: JsonElement, got: JsonElement?): String? = try {
    match(m, got)
    null
} catch (e: Mismatch) {
    e.message
}

private fun match(m: JsonElement, got: JsonElement?) {
    if (m is JsonObject && m.isNotEmpty() && m.keys.all { it in MATCHER_KEYS }) {
        val d = { k: String -> m[k]?.jsonPrimitive?.content?.toDouble() }
        val text = { (got as? JsonPrimitive)?.takeIf { it.isString }?.content ?: throw Mismatch("expected a string, got $got") }
        when {
            "absent" in m -> if (got != null) throw Mismatch("expected nothing, got $got")
            "approx" in m -> {
                val (x, tol, g) = Triple(d("approx")!!, d("tol") ?: 1e-9, num(got))
                if (Math.abs(g - x) > tol) throw Mismatch("$g is not within $tol of $x")
            }
            "min" in m || "max" in m -> {
                val g = num(got)
                if (d("min")?.let { g < it } == true || d("max")?.let { g > it } == true) throw Mismatch("$g is outside $m")
            }
            "prefix" in m -> if (!text().startsWith(m.str("prefix")!!)) throw Mismatch("\"${text()}\" does not start with ${m["prefix"]}")
            "contains" in m -> if (!text().contains(m.str("contains")!!)) throw Mismatch("\"${text()}\" does not contain ${m["contains"]}")
            "one_of" in m -> if ((m["one_of"] as JsonArray).none { equal(it, got) }) throw Mismatch("$got is none of ${m["one_of"]}")
            "has" in m -> {
                val fields = m["has"] as JsonObject
                val items = got as? JsonArray ?: throw Mismatch("expected an array, got $got")
                val hit = items.any { item -> fields.all { (k, v) -> equal(v, (item as? JsonObject)?.get(k)) } }
                if (!hit) throw Mismatch("no element has $fields")
            }
        }
        return
    }
    if (!equal(m, got)) throw Mismatch("expected $m, got $got")
}

/** JSON equality where numbers compare as floats and a missing value equals null. */
fun equal(want: JsonElement, got: JsonElement?): Boolean = when {
    got == null || got is JsonNull -> want is JsonNull
    want is JsonPrimitive && got is JsonPrimitive && !want.isString && !got.isString &&
        want.content.toDoubleOrNull() != null && got.content.toDoubleOrNull() != null ->
        Math.abs(want.content.toDouble() - got.content.toDouble()) < 1e-12
    want is JsonArray && got is JsonArray -> want.size == got.size && want.indices.all { equal(want[it], got[it]) }
    want is JsonObject && got is JsonObject -> want.keys == got.keys && want.keys.all { equal(want[it]!!, got[it]) }
    else -> want == got
}
