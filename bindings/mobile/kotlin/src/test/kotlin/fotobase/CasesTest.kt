package fotobase

import java.io.File
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assumptions.abort
import org.junit.jupiter.api.DynamicContainer.dynamicContainer
import org.junit.jupiter.api.DynamicNode
import org.junit.jupiter.api.DynamicTest.dynamicTest
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.fail
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.TestInstance

/** The shared behaviour suite (the JSON files in testdata/cases): one JUnit test per case. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CasesTest {
    /** Corpus files checked, by top folder: a run that silently skipped the corpus shows here. */
    private val corpusCounts = sortedMapOf<String, Int>()
    private val requireCorpus = System.getenv("FOTOBASE_REQUIRE_CORPUS") == "1"

    @AfterAll
    fun corpusSummary() {
        val parts = corpusCounts.map { (folder, n) -> "$folder/ $n" }
        println(if (parts.isEmpty()) "corpus: no case checked a corpus file" else "corpus cases passed per folder: ${parts.joinToString()}")
    }

    private val casesDir = File(System.getProperty("fotobase.cases") ?: "../../../testdata/cases")
    private val corpusDir = File(
        System.getenv("FOTOBASE_CORPUS") ?: File(System.getProperty("fotobase.root") ?: "../../..", "../shared/corpus").path,
    )
    private val runner = Cases(corpusDir)

    @TestFactory
    fun cases(): List<DynamicNode> {
        val files = casesDir.listFiles { f -> f.name.endsWith(".json") }?.sortedBy { it.name }.orEmpty()
        assertTrue(files.isNotEmpty(), "no case files in $casesDir")
        val names = mutableSetOf<String>()
        return files.map { file ->
            val cases = parseJson(file.readText()).jsonArray.map { it.jsonObject }
            dynamicContainer(file.name, cases.map { case ->
                val name = case.str("name") ?: fail("a case without a name in ${file.name}")
                assertTrue(names.add(name), "duplicate case name \"$name\"")
                dynamicTest(name) { runCase(case) }
            })
        }
    }

    private fun runCase(case: JsonObject) {
        val outcome = try {
            runner.run(case)
        } catch (e: Cases.CorpusMissing) {
            if (requireCorpus) fail("FOTOBASE_REQUIRE_CORPUS=1 but ${e.message}")
            abort<Unit>(e.message)
            return
        }
        val expect = case["expect"]?.jsonObject
        // `expect_error`: a code, or a list of codes any of which will do.
        val expectError: List<String>? = when (val e = case["expect_error"]) {
            is JsonPrimitive -> listOf(e.content)
            is JsonArray -> e.map { (it as JsonPrimitive).content }
            else -> null
        }
        when {
            (expect == null) == (expectError == null) -> fail("a case needs exactly one of expect / expect_error")
            outcome is Cases.Outcome.Value && expect != null ->
                check(expect, outcome.json)?.let { fail("$it\n    result: ${outcome.json}") }
            outcome is Cases.Outcome.Value -> fail("expected error $expectError, got a result: ${outcome.json}")
            outcome is Cases.Outcome.Failed && (expectError == null || outcome.code !in expectError) ->
                fail("expected ${expectError ?: "a result"}, got ${outcome.code}: ${outcome.exception.message}", outcome.exception)
        }
        case["input"]?.jsonObject?.str("corpus")?.let { path ->
            val folder = path.substringBefore('/')
            synchronized(corpusCounts) { corpusCounts[folder] = (corpusCounts[folder] ?: 0) + 1 }
        }
    }
}
