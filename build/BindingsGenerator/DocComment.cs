using System.Text;

namespace ZeroCopyNative.BindingsGenerator;

/// <summary>A header doc comment (Doxygen subset: text, @brief, @param, @return(s), @retval, @note, @see),
/// rendered as C# XML documentation.</summary>
internal sealed class DocComment
{
    public static readonly DocComment Empty = new();

    public string Summary { get; private set; } = string.Empty;

    public List<(string Name, string Text)> Parameters { get; } = new();

    public string Returns { get; private set; } = string.Empty;

    public List<string> ReturnValues { get; } = new();

    public List<string> Remarks { get; } = new();

    public bool IsEmpty => Summary.Length == 0 && Parameters.Count == 0 && Returns.Length == 0 &&
                           ReturnValues.Count == 0 && Remarks.Count == 0;

    /// <summary>Parses the raw comment text libclang returns (with its comment markers).</summary>
    public static DocComment Parse(string raw)
    {
        var doc = new DocComment();
        if (string.IsNullOrWhiteSpace(raw))
        {
            return doc;
        }

        var summary = new StringBuilder();
        StringBuilder? current = summary;
        string? tag = null;
        string? tagArg = null;

        void Flush()
        {
            if (tag is null)
            {
                return;
            }

            string text = Normalize(current!.ToString());
            switch (tag)
            {
                case "param":
                    doc.Parameters.Add((tagArg ?? string.Empty, text));
                    break;
                case "return" or "returns":
                    doc.Returns = Join(doc.Returns, text);
                    break;
                case "retval":
                    doc.ReturnValues.Add(Normalize($"{tagArg} {text}"));
                    break;
                case "brief":
                    doc.Summary = Join(doc.Summary, text);
                    break;
                default:
                    doc.Remarks.Add(text);
                    break;
            }
        }

        foreach (string line in StripMarkers(raw).SelectMany(SplitInlineTags))
        {
            string trimmed = line.Trim();
            if (trimmed.StartsWith('@') || trimmed.StartsWith('\\'))
            {
                int space = trimmed.IndexOfAny(new[] { ' ', '\t' });
                string name = (space < 0 ? trimmed[1..] : trimmed[1..space]).ToLowerInvariant();
                string rest = space < 0 ? string.Empty : trimmed[(space + 1)..].TrimStart();
                if (name is "param" or "param[in]" or "param[out]" or "param[in,out]" or "retval")
                {
                    Flush();
                    tag = name.StartsWith("param", StringComparison.Ordinal) ? "param" : "retval";
                    int argEnd = rest.IndexOfAny(new[] { ' ', '\t' });
                    tagArg = argEnd < 0 ? rest : rest[..argEnd];
                    current = new StringBuilder(argEnd < 0 ? string.Empty : rest[(argEnd + 1)..]);
                    continue;
                }

                if (name is "return" or "returns" or "brief" or "note" or "see" or "remark" or "remarks" or "warning")
                {
                    Flush();
                    tag = name;
                    tagArg = null;
                    current = new StringBuilder(rest);
                    continue;
                }
            }

            current!.Append(' ').Append(trimmed);
        }

        Flush();
        if (doc.Summary.Length == 0)
        {
            doc.Summary = Normalize(summary.ToString());
        }
        else if (summary.Length > 0)
        {
            doc.Remarks.Insert(0, Normalize(summary.ToString()));
        }

        return doc;
    }

    /// <summary>Doxygen starts a section at a tag anywhere in a line ("Added. @return 0."): one line per section.</summary>
    private static IEnumerable<string> SplitInlineTags(string line) =>
        System.Text.RegularExpressions.Regex.Split(line, @"(?<=\s)(?=[@\\](?:param|returns?|retval|brief|note|see|remarks?|warning)\b)");

    /// <summary>A doc with only a summary (used for generated fallbacks).</summary>
    public static DocComment FromSummary(string summary) => new() { Summary = summary };

    private static IEnumerable<string> StripMarkers(string raw)
    {
        foreach (string rawLine in raw.Replace("\r\n", "\n").Split('\n'))
        {
            string line = rawLine.Trim();
            if (line.StartsWith("/**", StringComparison.Ordinal) || line.StartsWith("/*!", StringComparison.Ordinal))
            {
                line = line[3..];
            }
            else if (line.StartsWith("///", StringComparison.Ordinal) || line.StartsWith("//!", StringComparison.Ordinal))
            {
                line = line[3..];
            }
            else if (line.StartsWith("/*", StringComparison.Ordinal))
            {
                line = line[2..];
            }

            if (line.EndsWith("*/", StringComparison.Ordinal))
            {
                line = line[..^2];
            }

            line = line.TrimStart();
            if (line.StartsWith('*'))
            {
                line = line[1..];
            }

            yield return line;
        }
    }

    private static string Join(string a, string b) => a.Length == 0 ? b : b.Length == 0 ? a : a + " " + b;

    private static string Normalize(string text) =>
        string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>Escapes text for XML documentation.</summary>
    public static string Xml(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal)
            .Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal);
}
