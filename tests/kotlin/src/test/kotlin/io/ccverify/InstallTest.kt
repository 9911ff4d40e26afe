package io.ccverify

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.io.File

/**
 * This project depends only on the coordinates io.ccverify:ccverify: the bindings and the native
 * library must both come from the installed jar, found by JNA without jna.library.path.
 */
class InstallTest {
    @Test
    fun nativeLibraryComesFromTheJar() {
        assertNull(System.getProperty("jna.library.path"), "the consumer sets no jna.library.path")
        val resource = javaClass.classLoader.getResource("linux-x86-64/libccverify_uniffi.so")
        assertNotNull(resource, "the jar carries the JNA resource")
        assertEquals("jar", resource!!.protocol, "the library is read from a jar: $resource")
        val source = CheckStatus::class.java.protectionDomain.codeSource.location.path
        assertTrue(Regex("""/io/ccverify/ccverify/[^/]+/ccverify-[^/]+\.jar$""").containsMatchIn(source),
            "the bindings come from the local Maven repository: $source")
        assertEquals("ab".repeat(32), normalizeNonce("AB".repeat(32)))
        // JNA tries system paths before the classpath: the library it loaded must be the copy it
        // extracted from the jar into its temporary directory, not one from a build tree.
        val loaded = com.sun.jna.NativeLibrary.getInstance("ccverify_uniffi").file
        assertNotNull(loaded, "JNA names the file it loaded")
        // An extracted copy is a temporary file named jna…; a library found on a path keeps its
        // own name (libccverify_uniffi.so).
        assertTrue(loaded!!.name.startsWith("jna") && loaded.name != "libccverify_uniffi.so",
            "loaded $loaded, not a copy JNA extracted from the jar")
        val root = File(System.getProperty("ccverify.root") ?: "..").canonicalFile
        assertTrue(!loaded.canonicalFile.startsWith(root), "loaded $loaded from the repository")
    }
}
