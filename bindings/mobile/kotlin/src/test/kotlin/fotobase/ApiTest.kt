package fotobase

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** The Kotlin API as an app uses it: the mobile headline flows and error handling. */
class ApiTest {
    private val photo = synthetic(320u, 240u, 7uL, "jpeg")

    @Test
    fun `compress on device to a target quality before upload`() {
        val upload = compress(
            photo,
            CompressOptions(format = "webp", target = "ssimulacra2>=70", resize = Resize(width = 160u), metrics = listOf("ssim")),
        )
        assertEquals("webp", upload.format)
        assertEquals(160u, upload.width)
        assertEquals(120u, upload.height)
        assertEquals(upload.data.size.toULong(), upload.bytes)
        assertTrue(upload.metrics.ssimulacra2!! >= 70.0, "the search met its target")
        assertTrue(upload.metrics.ssim != null && upload.metrics.psnr == null)
        assertTrue(upload.steps.isNotEmpty() && upload.quality != null)
        assertEquals("webp", probe(upload.data).format)
    }

    @Test
    fun `verify the server's tokens offline from its JWKS`() {
        val server = TokenIssuer.generate("https://auth.example.com", "fotobase-api", "ES256")
        val token = server.issue("usr_42", TokenOptions(roles = listOf("editor"), scope = "photos:write", claims = """{"tenant":"acme"}"""))
        val jwks: String = server.jwks() // what the app downloads from /.well-known/jwks.json and caches

        val device = TokenIssuer.fromJwks(jwks, issuer = "https://auth.example.com", audience = "fotobase-api")
        val claims = device.verify(token)
        assertEquals("usr_42", claims.sub)
        assertEquals(listOf("fotobase-api"), claims.aud)
        assertEquals(listOf("editor"), claims.roles)
        assertEquals("photos:write", claims.scope)
        assertEquals("""{"tenant":"acme"}""", claims.extra)
        assertTrue(claims.exp > claims.iat)

        val otherApp = TokenIssuer.fromJwks(jwks, issuer = "https://auth.example.com", audience = "other-api")
        val e = assertThrows<FotobaseException.TokenAudience> { otherApp.verify(token) }
        assertEquals("token_audience", e.code())
        val stranger = TokenIssuer.generate("https://auth.example.com", "fotobase-api")
        assertEquals("unknown_key", assertThrows<FotobaseException> { device.verify(stranger.issue("x")) }.code())
    }

    @Test
    fun `errors carry the stable code and a reason`() {
        val e = assertThrows<FotobaseException> { compress("not an image".toByteArray()) }
        assertTrue(e is FotobaseException.UnsupportedFormat)
        assertEquals("unsupported_format", e.code())
        assertTrue(e.message!!.isNotBlank())
        val weak = assertThrows<FotobaseException.WeakPassword> { hashPassword("password123") }
        assertEquals("weak_password", weak.code())
        assertTrue(weak.reason.isNotBlank())
        val codes = errorCodes()
        assertEquals(codes.toSet().size, codes.size, "codes are unique")
        assertTrue(codes.all { Regex("[a-z_]+").matches(it) }, "codes are snake_case")
        for (code in listOf("unavailable", "token_expired", "quota_exceeded")) assertTrue(code in codes, code)
    }

    @Test
    fun `the escape hatches are validated`() {
        val bad = assertThrows<FotobaseException.InvalidArgument> { compress(photo, CompressOptions(params = "not json")) }
        assertTrue(bad.reason.contains("params"))
        val twice = assertThrows<FotobaseException.InvalidArgument> {
            compress(photo, CompressOptions(quality = 80u, extra = """{"quality": 70}"""))
        }
        assertTrue(twice.reason.contains("quality"))
        // Diagnostics come as a map too, as `context` does in Python and Node.
        val typo = assertThrows<FotobaseException.InvalidArgument> { compress(photo, CompressOptions(extra = """{"qualty": 80}""")) }
        assertTrue("quality" in typo.context.getValue("allowed"), typo.context.toString())
        val viaExtra = compress(photo, CompressOptions(format = "jpeg", extra = """{"max_encodes": 3}""", target = "ssim>=0.9"))
        assertTrue(viaExtra.steps.size <= 3)
        val tuned = compress(photo, CompressOptions(algorithm = "jpeg-mozjpeg", params = """{"chroma_subsampling": "4:4:4"}"""))
        assertTrue(tuned.params.contains("\"chroma_subsampling\":\"4:4:4\""), tuned.params)
    }

    @Test
    fun `thumbnails, comparisons and pixels`() {
        val thumb = thumbnail(photo, 64u)
        assertEquals(64u to 48u, thumb.width to thumb.height)
        val c = compare(photo, thumbnail(photo, 320u, format = "webp").data, listOf("ssim", "psnr"))
        assertTrue(c.metrics.ssim!! in 0.5..1.0 && c.metrics.mse == null)
        assertEquals(Double.POSITIVE_INFINITY, compare(photo, photo, listOf("psnr")).metrics.psnr)
        val grey = Pixels(4u, 4u, 1u, ByteArray(16) { 10 })
        assertEquals(0.0, comparePixels(grey, grey, listOf("mse")).mse)
        val table = compareAll(photo, "ssim>=0.9", listOf("jpeg-mozjpeg", "webp-lossy"))
        assertEquals(2, table.results.size)
        assertTrue(table.best in setOf("jpeg-mozjpeg", "webp-lossy"))
        assertTrue(algorithms().any { it.name == "avif-rav1e" && !it.lossless })
    }

    @Test
    fun `passwords and public ids`() {
        val hash = hashPassword("correct horse battery staple")
        assertTrue(verifyPassword(hash, "correct horse battery staple") && !needsRehash(hash))
        val secret = ByteArray(32) { it.toByte() }
        val id = publicIdEncode(secret, "img", 42uL)
        assertTrue(id.startsWith("img_"))
        assertEquals(42uL, publicIdDecode(secret, "img", id))
    }
}
