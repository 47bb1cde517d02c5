using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace RnnGen.Samples;

/// <summary>
/// The samples' command lines: <c>--name value</c> options and <c>--flag</c> switches, each declared with its
/// default and a line of help, so <c>--help</c> lists them and a typo is an error that names the valid ones.
/// </summary>
internal sealed class SampleArgs
{
    private readonly string[] _args;
    private readonly HashSet<int> _used = [];
    private readonly List<(string Name, string Help)> _help = [];

    public SampleArgs(string[] args) => _args = args;

    public bool HelpRequested => _args.Contains("--help") || _args.Contains("-h");

    public int Int(string name, int fallback, string help, int min = 1, int max = int.MaxValue)
    {
        _help.Add(($"{name} N", $"{help} (default {fallback})"));
        string? text = Value(name);
        if (text is null) return fallback;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max) return value;
        throw new SampleArgsException($"{name} needs a whole number from {min} to {(max == int.MaxValue ? "any" : max)}, not '{text}'.");
    }

    public double Double(string name, double fallback, string help, double min = 0, double max = double.MaxValue)
    {
        _help.Add(($"{name} X", $"{help} (default {fallback.ToString(CultureInfo.InvariantCulture)})"));
        string? text = Value(name);
        if (text is null) return fallback;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value >= min && value <= max) return value;
        throw new SampleArgsException($"{name} needs a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, not '{text}'.");
    }

    public string? String(string name, string? fallback, string help)
    {
        _help.Add(($"{name} VALUE", fallback is null ? help : $"{help} (default {fallback})"));
        return Value(name) ?? fallback;
    }

    /// <summary>Every value of an option that may be given several times.</summary>
    public List<string> Strings(string name, string help)
    {
        _help.Add(($"{name} VALUE", help));
        var values = new List<string>();
        for (int i = 0; i < _args.Length; i++)
        {
            if (_args[i] != name) continue;
            if (i + 1 >= _args.Length) throw new SampleArgsException($"{name} needs a value.");
            _used.Add(i);
            _used.Add(i + 1);
            values.Add(_args[++i]);
        }

        return values;
    }

    public string Choice(string name, string fallback, string help, params string[] choices)
    {
        _help.Add(($"{name} {string.Join('|', choices)}", $"{help} (default {fallback})"));
        string? text = Value(name);
        if (text is null) return fallback;
        if (choices.Contains(text, StringComparer.OrdinalIgnoreCase)) return text.ToLowerInvariant();
        throw new SampleArgsException($"{name} is one of {string.Join(", ", choices)}, not '{text}'.");
    }

    public bool Flag(string name, string help)
    {
        _help.Add((name, help));
        int i = Array.IndexOf(_args, name);
        if (i < 0) return false;
        _used.Add(i);
        return true;
    }

    /// <summary>Throws for anything on the command line that no option claimed.</summary>
    public void RejectUnknown()
    {
        for (int i = 0; i < _args.Length; i++)
        {
            if (!_used.Contains(i) && _args[i] is not ("--help" or "-h"))
            {
                throw new SampleArgsException($"Unknown argument '{_args[i]}'. Options:{Environment.NewLine}{Usage()}");
            }
        }
    }

    public string Usage() =>
        string.Join(Environment.NewLine, _help.Select(h => $"  {h.Name,-28} {h.Help}"));

    private string? Value(string name)
    {
        int i = Array.IndexOf(_args, name);
        if (i < 0) return null;
        _used.Add(i);
        if (i + 1 >= _args.Length || _args[i + 1].StartsWith("--", StringComparison.Ordinal))
        {
            throw new SampleArgsException($"{name} needs a value.");
        }

        _used.Add(i + 1);
        return _args[i + 1];
    }
}

internal sealed class SampleArgsException(string message) : Exception(message);
