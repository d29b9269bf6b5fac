// Runs the README's Kotlin example (Example.kt, cut from bindings/mobile/README.md by
// scripts/test-mobile.sh) with a photo and a server's JWKS and token, as an app would get them.
import fotobase.*

fun main() {
    val photo: ByteArray = synthetic(1024u, 768u, 42uL, "png") // stands in for a camera photo
    val server = TokenIssuer.generate("https://auth.example.com", "fotobase-api")
    val jwksJson: String = server.jwks()
    val accessToken: String = server.issue("usr_42")

    readmeExample(photo, jwksJson, accessToken)

    // A token that fails verification names its reason by code: here a forged signature.
    val device = TokenIssuer.fromJwks(jwksJson, "https://auth.example.com", "fotobase-api")
    val (head, body, sig) = accessToken.split('.')
    try {
        device.verify("$head.$body.${if (sig[0] == 'A') 'B' else 'A'}${sig.drop(1)}")
        error("a tampered token verified")
    } catch (e: FotobaseException) {
        println("smoke: a tampered token is ${e.code()}")
    }
}
