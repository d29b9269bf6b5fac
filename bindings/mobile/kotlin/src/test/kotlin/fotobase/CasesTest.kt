package fotobase

import java.io.File
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assumptions.abort
import org.junit.jupiter.api.DynamicContainer.dynamicContainer
import org.junit.jupiter.api.DynamicNode
import org.junit.jupiter.api.DynamicTest.dynamicTest
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.fail

/** The shared behaviour suite (the JSON files in testdata/cases): one JUnit test per case. */
class CasesTest {
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
            abort<Unit>(e.message)
            return
        }
        val expect = case["expect"]?.jsonObject
        val expectError = case.str("expect_error")
        when {
            (expect == null) == (expectError == null) -> fail("a case needs exactly one of expect / expect_error")
            outcome is Cases.Outcome.Value && expect != null ->
                check(expect, outcome.json)?.let { fail("$it\n    result: ${outcome.json}") }
            outcome is Cases.Outcome.Value -> fail("expected error $expectError, got a result: ${outcome.json}")
            outcome is Cases.Outcome.Failed && outcome.code != expectError ->
                fail("expected ${expectError ?: "a result"}, got ${outcome.code}: ${outcome.exception.message}", outcome.exception)
        }
    }
}
