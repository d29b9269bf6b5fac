package fotobase

import java.io.File
import java.util.Base64
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull
import kotlinx.serialization.json.contentOrNull
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.longOrNull

/**
 * Runs one behaviour case (testdata/cases/README.md) through the Kotlin API,
 * the way a Kotlin caller would: camelCase arguments, typed option records,
 * typed results. Results go back to snake_case JSON only for matching.
 */
class Cases(private val corpusDir: File) {
    /** Thrown when a case reads the corpus and the corpus is not here. */
    class CorpusMissing(path: String) : Exception("corpus not available for $path")

    /** The result as snake_case JSON, or the error code the call failed with. */
    sealed interface Outcome {
        data class Value(val json: JsonElement) : Outcome
        data class Failed(val code: String, val exception: FotobaseException) : Outcome
    }

    fun run(case: JsonObject): Outcome {
        val op = case.str("op") ?: error("case without op")
        val args = camelArgs(case["args"] ?: JsonObject(emptyMap())).jsonObject
        return try {
            // Inputs come from the binding too (`synthetic`), so their errors count as the call's.
            val data = case["input"]?.let(::input)
            Outcome.Value(execute(op, data, Args(args)))
        } catch (e: FotobaseException) {
            Outcome.Failed(e.code(), e)
        }
    }

    private fun execute(op: String, data: ByteArray?, a: Args): JsonElement = when (op) {
        "compress" -> compress(data!!, compressOptions(a.obj("options"))).json()
        "optimize" -> optimize(data!!, a.str("algorithm")!!, target(a["target"])!!, optimizeOptions(a.obj("options"))).json()
        "thumbnail" -> thumbnail(data!!, a.uint("width")!!, a.uint("height"), a.str("fit"), a.str("format")).json()
        "compare" -> compare(data!!, input(a["distortedInput"]!!), a.strings("metrics")).json()
        "edit" -> {
            val ops = a["operations"]!!.jsonArray
            val typed = ops.map(::operation)
            // Steps the typed API cannot name (an unknown op or field) go as JSON, as from a file.
            val options = if (null !in typed) CompressOptions(format = "png", operations = typed.filterNotNull())
            else CompressOptions(format = "png", extra = JsonObject(mapOf("operations" to ops)).toString())
            val out = compress(data!!, options)
            val against = compare(input(a["referenceInput"]!!), out.data, listOf("mse", "psnr"))
            JsonObject(out.json() + ("reference" to against.metrics.json()))
        }
        "compare_pixels" -> comparePixels(pixels(a.obj("reference")!!), pixels(a.obj("distorted")!!), a.strings("metrics")).json()
        "compare_all" -> compareAll(data!!, target(a["target"])!!, a.strings("algorithms")).json()
        "algorithms" -> JsonArray(algorithms().map { it.json() })
        "probe" -> probe(data!!).json()
        "hash_password" -> {
            val password = a.str("password")!!
            val hash = hashPassword(password)
            obj("hashPrefix" to hash.take(31), "verified" to verifyPassword(hash, password), "needsRehash" to needsRehash(hash))
        }
        "verify_password" -> {
            val hash = a.str("hash")!!
            obj("verified" to verifyPassword(hash, a.str("password")!!), "needsRehash" to needsRehash(hash))
        }
        "issue_token" -> {
            val (issuer, audience) = a.str("issuer")!! to a.str("audience")!!
            val server = TokenIssuer.generate(issuer, audience, a.str("algorithm"))
            val token = server.issue(a.str("subject")!!, tokenOptions(a.obj("options")))
            TokenIssuer.fromJwks(server.jwks(), issuer, a.str("verifyAudience") ?: audience).verify(token).json()
        }
        "verify_token" -> {
            val verifier = TokenIssuer.fromJwks(a["jwks"].toString(), a.str("issuer")!!, a.str("audience")!!)
            verifier.verify(a.str("token")!!).json()
        }
        "public_id" -> {
            val secret = hex(a.str("secretHex")!!)
            val prefix = a.str("prefix")!!
            val public = publicIdEncode(secret, prefix, a.long("id")!!.toULong())
            val decoded = publicIdDecode(secret, a.str("decodePrefix") ?: prefix, public)
            obj("publicPrefix" to public.substringBefore('_'), "decoded" to decoded)
        }
        "public_id_decode" -> obj("decoded" to publicIdDecode(hex(a.str("secretHex")!!), a.str("prefix")!!, a.str("public")!!))
        "totp_code" -> obj("code" to totpCode(a.str("secret")!!, a.long("at")!!))
        "totp_verify" -> obj("step" to totpVerify(a.str("secret")!!, a.str("code")!!, a.long("at")!!, a.long("afterStep")?.toULong()))
        "totp_uri" -> obj("uri" to totpUri(a.str("secret")!!, a.str("issuer")!!, a.str("account")!!))
        "oidc_provider" -> oidcProvider(a["discovery"].toString(), a.str("issuer")!!).json()
        "oidc_start" -> oidcStart(
            a["discovery"].toString(), a.str("issuer")!!, a.str("clientId")!!, a.str("redirectUri")!!, a.strings("scopes"),
        ).json()
        "oidc_token_request_body" -> obj(
            "body" to oidcTokenRequestBody(a.str("clientId")!!, a.str("redirectUri")!!, a.str("code")!!, a.str("codeVerifier")!!),
        )
        "oidc_verify_id_token" -> oidcVerifyIdToken(
            a["jwks"].toString(), a.str("issuer")!!, a.str("clientId")!!, a.str("idToken")!!, a.str("nonce")!!, a.long("now"),
        ).json()
        "webauthn_registration_options" -> obj(
            "options" to parseJson(
                webauthnRegistrationOptions(
                    a.str("rpId")!!, a.str("rpName")!!, a.str("challenge")!!, hex(a.str("userHandleHex")!!),
                    a.str("userName")!!, a.str("displayName")!!, a.strings("exclude"),
                ),
            ),
        )
        "webauthn_authentication_options" -> obj(
            "options" to parseJson(webauthnAuthenticationOptions(a.str("rpId")!!, a.str("challenge")!!)),
        )
        "webauthn_verify_registration" -> webauthnVerifyRegistration(
            a.str("rpId")!!, a.strings("origins")!!, a.str("challenge")!!, a["response"].toString(),
        ).json()
        "webauthn_verify_authentication" -> obj(
            "signCount" to webauthnVerifyAuthentication(
                a.str("rpId")!!, a.strings("origins")!!, a.str("challenge")!!, a["response"].toString(),
                a.str("publicKey")!!, a.long("signCount")!!.toUInt(),
            ),
        )
        else -> error("unknown op \"$op\"")
    }

    // --- inputs --------------------------------------------------------------------------

    private fun input(spec: JsonElement): ByteArray {
        val s = spec.jsonObject
        s["synthetic"]?.jsonObject?.let { syn ->
            val n = { k: String -> syn[k]?.jsonPrimitive?.longOrNull ?: 0L }
            return synthetic(n("width").toUInt(), n("height").toUInt(), n("seed").toULong(), syn.str("format") ?: "png")
        }
        s.str("base64")?.let { return Base64.getDecoder().decode(it) }
        s.str("text")?.let { return it.toByteArray(Charsets.UTF_8) }
        s.str("corpus")?.let { path ->
            // Without the corpus the case is skipped; with it, a missing file is an error.
            if (!corpusDir.isDirectory) throw CorpusMissing(path)
            return File(corpusDir, path).readBytes()
        }
        error("unknown input spec $spec")
    }

    private fun pixels(spec: JsonObject): Pixels {
        val n = { k: String -> spec[k]?.jsonPrimitive?.longOrNull ?: 0L }
        val (w, h, c) = Triple(n("width"), n("height"), n("channels"))
        val data = ByteArray((w * h * c).toInt()) { i -> ((i * n("step") + n("offset")) % 256).toByte() }
        return Pixels(width = w.toUInt(), height = h.toUInt(), channels = c.toUByte(), data = data)
    }

    /** A target as Kotlin callers write it: `ssim>=0.9`, `psnr=30`, `max_bytes=1500`. */
    private fun target(t: JsonElement?): String? = when (t) {
        null, JsonNull -> null
        is JsonPrimitive -> t.content
        is JsonObject -> t["maxBytes"]?.let { "max_bytes=${it.jsonPrimitive.content}" }
            ?: "${t.str("metric")}=${t["value"]?.jsonPrimitive?.content}"
        else -> t.toString() // let the binding reject it
    }

    // --- option records: known names become typed fields, the rest goes to `extra` -------

    private fun compressOptions(o: JsonObject?): CompressOptions {
        val a = Args(o ?: JsonObject(emptyMap()))
        return CompressOptions(
            algorithm = a.str("algorithm"), format = a.str("format"), quality = a.uint("quality"),
            target = target(a["target"]), resize = a.obj("resize")?.let(::resize), metrics = a.strings("metrics") ?: emptyList(),
            keepMetadata = a.bool("keepMetadata") ?: false, maxEncodes = a.uint("maxEncodes"), params = a["params"]?.toString(),
            toSrgb = a.bool("toSrgb") ?: false, extra = a.extra(),
        )
    }

    /** A typed editing step, or null when the JSON names something the enum has not. */
    private fun operation(e: JsonElement): Operation? {
        val a = Args(e.jsonObject)
        fun f(k: String) = a[k]?.jsonPrimitive?.content?.toFloat()
        fun d(k: String) = a[k]?.jsonPrimitive?.content?.toDouble()
        val op = when (a.str("op")) {
            "rotate" -> Operation.Rotate(d("angle")!!, a.str("background"))
            "flip" -> Operation.Flip
            "flop" -> Operation.Flop
            "extract" -> Operation.Extract(a.uint("left")!!, a.uint("top")!!, a.uint("width")!!, a.uint("height")!!)
            "blur" -> Operation.Blur(f("sigma")!!)
            "sharpen" -> Operation.Sharpen(f("sigma")!!, f("amount"), a.long("threshold")?.toUByte())
            "grayscale" -> Operation.Grayscale
            "modulate" -> Operation.Modulate(f("brightness"), f("saturation"))
            "composite" -> Operation.Composite(
                Base64.getDecoder().decode(a.str("overlay")!!), a.long("left") ?: 0L, a.long("top") ?: 0L, f("opacity"),
            )
            "trim" -> Operation.Trim(a.long("threshold")?.toUByte())
            else -> return null
        }
        return op.takeIf { a.extra() == null }
    }

    private fun optimizeOptions(o: JsonObject?): OptimizeOptions {
        val a = Args(o ?: JsonObject(emptyMap()))
        return OptimizeOptions(
            resize = a.obj("resize")?.let(::resize), metrics = a.strings("metrics") ?: emptyList(),
            keepMetadata = a.bool("keepMetadata") ?: false, maxEncodes = a.uint("maxEncodes"), params = a["params"]?.toString(),
            toSrgb = a.bool("toSrgb") ?: false, extra = a.extra(),
        )
    }

    private fun resize(o: JsonObject): Resize {
        val a = Args(o)
        val r = Resize(
            width = a.uint("width"), height = a.uint("height"), fit = a.str("fit"), gravity = a.str("gravity"),
            filter = a.str("filter"), withoutEnlargement = a.bool("withoutEnlargement") ?: false,
        )
        a.extra()?.let { error("resize has no field for $it") }
        return r
    }

    private fun tokenOptions(o: JsonObject?): TokenOptions {
        val a = Args(o ?: JsonObject(emptyMap()))
        return TokenOptions(
            ttlSecs = a.long("ttlSecs")?.toULong(), roles = a.strings("roles"), scope = a.str("scope"),
            claims = a["claims"]?.toString(), extra = a.extra(),
        )
    }

    /** Reads arguments by name and remembers which were used, so the rest can go to `extra`. */
    private class Args(val o: JsonObject) {
        private val used = mutableSetOf<String>()
        operator fun get(k: String): JsonElement? = o[k].also { used += k }?.takeUnless { it is JsonNull }
        fun str(k: String) = this[k]?.jsonPrimitive?.contentOrNull
        fun long(k: String) = this[k]?.jsonPrimitive?.longOrNull
        fun uint(k: String) = long(k)?.toUInt()
        fun bool(k: String) = this[k]?.jsonPrimitive?.booleanOrNull
        fun obj(k: String) = this[k]?.jsonObject
        fun strings(k: String) = this[k]?.jsonArray?.map { it.jsonPrimitive.content }
        fun extra(): String? = o.filterKeys { it !in used }.takeIf { it.isNotEmpty() }?.let { keysToSnake(JsonObject(it)).toString() }
    }
}

// --- results → JSON: `obj` snake_cases the Kotlin property names; JSON payloads stay as they are ---

fun Compressed.json() = obj(
    "algorithm" to algorithm, "format" to format, "quality" to quality, "width" to width, "height" to height,
    "bytes" to bytes, "inputBytes" to inputBytes, "ratio" to ratio, "params" to parseJson(params),
    "metrics" to metrics.json(), "steps" to steps.map { it.json() }, "output" to probe(data).json(),
)

fun Metrics.json() = obj("mse" to mse, "psnr" to psnr, "ssim" to ssim, "msSsim" to msSsim, "ssimulacra2" to ssimulacra2)

fun SearchStep.json() = obj("quality" to quality, "bytes" to bytes, "score" to score, "met" to met)

fun Comparison.json() = obj("metrics" to metrics.json(), "reference" to reference.json(), "distorted" to distorted.json(), "ratio" to ratio)

fun ImageSide.json() = obj("format" to format, "width" to width, "height" to height, "bytes" to bytes)

fun CompareAll.json() = obj("target" to target, "inputBytes" to inputBytes, "results" to results.map { it.json() }, "best" to best)

fun CompareAllRow.json() = obj(
    "algorithm" to algorithm, "format" to format, "lossless" to lossless, "quality" to quality, "bytes" to bytes,
    "ratio" to ratio, "metrics" to metrics.json(), "encodes" to encodes, "met" to met, "winner" to winner,
    "error" to error?.let { obj("code" to it.code, "message" to it.message) },
)

fun AlgorithmInfo.json() = obj(
    "name" to name, "format" to format, "lossless" to lossless, "description" to description,
    "qualityParam" to qualityParam, "params" to parseJson(params),
)

fun ImageInfo.json() = obj(
    "format" to format, "width" to width, "height" to height, "orientation" to orientation,
    "uprightWidth" to uprightWidth, "uprightHeight" to uprightHeight, "hasAlpha" to hasAlpha,
    "frames" to frames, "metadata" to metadata.json(),
)

fun PhotoMetadata.json() = obj(
    "takenAt" to takenAt, "make" to make, "model" to model, "lens" to lens, "iso" to iso, "fNumber" to fNumber,
    "exposureTime" to exposureTime, "focalLength" to focalLength, "gps" to gps?.json(),
)

fun GpsPosition.json() = obj("latitude" to latitude, "longitude" to longitude, "altitude" to altitude)

/** Claims as the JWT carries them: a single audience is a string, other claims at the top level. */
fun Claims.json(): JsonObject {
    val standard = obj(
        "iss" to iss, "sub" to sub, "aud" to (aud.singleOrNull() ?: aud), "exp" to exp, "iat" to iat, "nbf" to nbf,
        "jti" to jti, "roles" to roles.ifEmpty { null }, "scope" to scope, "sid" to sid,
    )
    return JsonObject(parseJson(extra).jsonObject + standard)
}

fun OidcProvider.json() = obj(
    "issuer" to issuer, "authorizationEndpoint" to authorizationEndpoint, "tokenEndpoint" to tokenEndpoint,
    "jwksUri" to jwksUri, "userinfoEndpoint" to userinfoEndpoint, "secretInForm" to secretInForm,
)

fun OidcStart.json() = obj("url" to url, "state" to state, "nonce" to nonce, "codeVerifier" to codeVerifier)

fun IdTokenClaims.json() = obj(
    "iss" to iss, "sub" to sub, "aud" to aud, "exp" to exp, "iat" to iat, "nonce" to nonce, "azp" to azp,
    "email" to email, "emailVerified" to emailVerified, "name" to name, "preferredUsername" to preferredUsername,
)

fun Passkey.json() = obj(
    "credentialId" to credentialId, "publicKey" to publicKey, "signCount" to signCount, "backupEligible" to backupEligible,
)
