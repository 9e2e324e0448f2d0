using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using ZeroCopyNative.Interop;
using ZeroCopyNative.Tool.Cli;

namespace ZeroCopyNative.Tool.Commands;

/// <summary>zcn info [PATH] [--json]: what the running kernel offers, and the Direct I/O alignment of PATH.</summary>
internal static class InfoCommand
{
    public const string Help =
        "usage: zcn info [PATH] [--json]\n" +
        "\n" +
        "Reports the kernel version; whether splice, vmsplice, tee, copy_file_range, memfd, statx DIOALIGN and\n" +
        "io_uring are available; /proc/sys/fs/pipe-max-size; transparent huge pages; and the Direct I/O alignment\n" +
        "of PATH (default: the current directory).\n" +
        "\n" +
        "  --json   print one JSON object instead of text\n";

    private static readonly Argument<string?> PathArgument = new("PATH") { Arity = ArgumentArity.ZeroOrOne };
    private static readonly Option<bool> Json = new("--json") { Arity = ArgumentArity.Zero };

    public static Command Create()
    {
        Command command = ZcnCommandLine.Create("info", Help, Run);
        command.Arguments.Add(PathArgument);
        command.Options.Add(Json);
        return command;
    }

    private static int Run(ParseResult parsed)
    {
        string path = parsed.GetValue(PathArgument) ?? ".";
        DirectIOAlignment dio = DirectFile.GetAlignment(path);
        string dioSource = dio.Source switch
        {
            DirectIOAlignmentSource.Statx => "statx",
            DirectIOAlignmentSource.BlockDevice => "block-device",
            DirectIOAlignmentSource.BlockSize => "st_blksize",
            _ => "unknown",
        };
        var caps = new (string Name, bool Available)[]
        {
            ("splice", ZeroCopyCapabilities.Splice),
            ("vmsplice", ZeroCopyCapabilities.VmSplice),
            ("tee", ZeroCopyCapabilities.Tee),
            ("copy_file_range", ZeroCopyCapabilities.CopyFileRange),
            ("memfd", ZeroCopyCapabilities.MemFd),
            ("statx_dioalign", ZeroCopyCapabilities.DioAlign),
            ("io_uring", ZeroCopyCapabilities.IoUring),
        };
        string thp = Machine.ThpMode();

        if (parsed.GetValue(Json))
        {
            using var stream = Console.OpenStandardOutput();
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            json.WriteString("zcn", Program.Version);
            json.WriteString("kernel", ZeroCopyCapabilities.KernelRelease);
            json.WriteStartObject("available");
            foreach ((string name, bool available) in caps)
            {
                json.WriteBoolean(name, available);
            }

            json.WriteEndObject();
            json.WriteNumber("pipe_max_size", ZeroCopyCapabilities.PipeMaxSize);
            json.WriteString("thp", thp);
            json.WriteNumber("page_size", ZeroCopyCapabilities.PageSize);
            json.WriteStartObject("dio");
            json.WriteString("path", Path.GetFullPath(path));
            json.WriteNumber("mem_align", dio.MemoryAlignment);
            json.WriteNumber("offset_align", dio.OffsetAlignment);
            json.WriteString("source", dioSource);
            json.WriteEndObject();
            json.WriteEndObject();
            json.Flush();
            stream.Write("\n"u8);
            return Program.Success;
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"zcn {Program.Version}\n");
        text.Append(CultureInfo.InvariantCulture, $"kernel          {ZeroCopyCapabilities.KernelRelease}\n");
        foreach ((string name, bool available) in caps)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name,-16}{(available ? "yes" : "no")}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"pipe-max-size   {ZeroCopyCapabilities.PipeMaxSize} bytes\n");
        text.Append(CultureInfo.InvariantCulture, $"thp             {thp}\n");
        text.Append(CultureInfo.InvariantCulture, $"page size       {ZeroCopyCapabilities.PageSize} bytes\n");
        text.Append(CultureInfo.InvariantCulture,
            $"dio alignment   memory {dio.MemoryAlignment}, offset {dio.OffsetAlignment} ({dioSource}) for {Path.GetFullPath(path)}\n");
        Console.Out.Write(text.ToString());
        return Program.Success;
    }
}
