// A consumer of the ZeroCopyNative package: copies a file with ZeroCopy.Transfer, then checks
// every byte. Prints "transfer ok" on success; the package tests look for that line.
using System;
using System.IO;
using System.Reflection;
using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;
using ZeroCopyNative;

[assembly: SupportedOSPlatform("linux")]

string directory = Directory.CreateTempSubdirectory("zcn-consumer-").FullName;
try
{
    byte[] data = new byte[3 * 1024 * 1024 + 17];
    new Random(42).NextBytes(data);
    string source = Path.Combine(directory, "source.bin");
    string destination = Path.Combine(directory, "destination.bin");
    File.WriteAllBytes(source, data);

    TransferResult result;
    using (SafeFileHandle input = File.OpenHandle(source))
    using (SafeFileHandle output = File.OpenHandle(destination, FileMode.CreateNew, FileAccess.Write))
    {
        result = ZeroCopy.Transfer(input, output);
    }

    bool same = result.Bytes == data.Length && File.ReadAllBytes(destination).AsSpan().SequenceEqual(data);
    Assembly package = typeof(ZeroCopy).Assembly;
    Console.WriteLine($"libzcn {ZeroCopyCapabilities.LibraryVersion}, package {package.GetName().Version}");
    // Which of the package's builds was loaded (lib/net8.0 or lib/net10.0), and on which runtime.
    Console.WriteLine($"package build {package.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName}");
    Console.WriteLine($"runtime {Environment.Version}");
    Console.WriteLine($"{(same ? "transfer ok" : "transfer MISMATCH")}: {result.Bytes} bytes by {result.Method}");
    return same ? 0 : 1;
}
finally
{
    Directory.Delete(directory, recursive: true);
}
