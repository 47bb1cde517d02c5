using System.Collections.Generic;
using RnnGen.Generator.Model;
using RnnGen.Generator.Plan;

namespace RnnGen.Generator.Printing;

/// <summary>
/// Prints the C entry points a declaration asks for with <c>NativeExports = "prefix"</c>: a file-local class of
/// <c>[UnmanagedCallersOnly]</c> methods, the functions <c>RNNGEN_DECLARE_MODEL</c> declares in the runtime's
/// <c>Native/rnngen.h</c>. Each is a few lines over the model's public members and the runtime's <c>NativeCalls</c>
/// (handles, pointer checks, status codes), inside <c>try</c>: an exception must never reach the host.
/// </summary>
internal static class NativePrinter
{
    public static void Print(CodeWriter w, Network network)
    {
        ModelSpec spec = network.Spec;
        string prefix = spec.NativeExports!, model = Names.ModelReference(spec.Type), t = network.T, x = spec.TokenInput ? "int" : t;
        string inputType = spec.TokenInput ? "int32_t" : t;
        using (w.Open("namespace RnnGen.Generated"))
        {
            w.Line("using global::System;");
            w.Line("using global::System.Runtime.CompilerServices;");
            w.Line("using global::System.Runtime.InteropServices;");
            w.Line("using global::RnnGen.Runtime;");
            w.Line();
            w.Line($"/// <summary>The C entry points of <see cref=\"{model}\"/>: RNNGEN_DECLARE_MODEL({prefix}, {t}, {inputType}) in rnngen.h.</summary>");
            w.Line(Names.GeneratedCode);
            using (w.Open($"file static class {Names.Identifier(spec.Type.Name)}NativeExports"))
            {
                w.Line("/// <summary>A model and the state of its stream, behind one handle.</summary>");
                using (w.Open("private sealed class Instance"))
                {
                    w.Line($"public readonly {model} Model = new();");
                    w.Line($"public {model}.State State;");
                }

                Entry(w, prefix, "create", "Create", "nint model", "return NativeCalls.Create(model, new Instance());");
                Entry(w, prefix, "load_file", "LoadFile", "nint model, nint path",
                    "Instance instance = NativeCalls.Get<Instance>(model);",
                    "using (var stream = NativeCalls.OpenFile(path)) instance.Model.LoadWeights(stream);",
                    "instance.State = default;",
                    "return NativeCalls.Ok;");
                Entry(w, prefix, "load_buffer", "LoadBuffer", "nint model, nint data, nuint length",
                    "Instance instance = NativeCalls.Get<Instance>(model);",
                    "using (var stream = NativeCalls.OpenBuffer(data, length)) instance.Model.LoadWeights(stream);",
                    "instance.State = default;",
                    "return NativeCalls.Ok;");
                Entry(w, prefix, "reset", "Reset", "nint model",
                    "NativeCalls.Get<Instance>(model).State = default;",
                    "return NativeCalls.Ok;");

                const string Buffers = "nint model, nint input, nuint inputLength, nint output, nuint outputLength";
                string ys = $"Span<{t}> y = NativeCalls.Output<{t}>(output, outputLength, \"output\");";
                string xs = $"ReadOnlySpan<{x}> x = NativeCalls.Input<{x}>(input, inputLength, \"input\");";
                Entry(w, prefix, "step", "Step", Buffers, streaming: true, body: new[]
                {
                    "Instance instance = NativeCalls.Get<Instance>(model);",
                    spec.TokenInput
                        ? $"instance.Model.Step(ref instance.State, NativeCalls.Token(input, inputLength), NativeCalls.Output<{t}>(output, outputLength, \"output\"));"
                        : $"instance.Model.Step(ref instance.State, NativeCalls.Input<{t}>(input, inputLength, \"input\"), NativeCalls.Output<{t}>(output, outputLength, \"output\"));",
                    "return NativeCalls.Ok;",
                });

                // Every argument is checked (token ids too) before the first step, so a bad block leaves the state as it was.
                var process = new List<string>
                {
                    $"const int In = {(spec.TokenInput ? "1" : model + ".Input")}, Out = {model}.Output;",
                    "Instance instance = NativeCalls.Get<Instance>(model);", xs, ys,
                    "int steps = NativeCalls.Steps(x.Length, In, y.Length, Out);",
                };
                if (spec.TokenInput)
                {
                    process.Add($"Guard.TokenIds(x, {model}.Vocab, \"input\");");
                    process.Add("for (int s = 0; s < steps; s++) instance.Model.Step(ref instance.State, x[s], y.Slice(s * Out, Out));");
                }
                else
                {
                    process.Add("for (int s = 0; s < steps; s++) instance.Model.Step(ref instance.State, x.Slice(s * In, In), y.Slice(s * Out, Out));");
                }

                process.Add("return NativeCalls.Ok;");
                Entry(w, prefix, "process", "Process", Buffers, streaming: true, body: process.ToArray());
                Entry(w, prefix, "destroy", "Destroy", "nint model", "return NativeCalls.Destroy<Instance>(model);");

                w.Line();
                w.Line($"[UnmanagedCallersOnly(EntryPoint = \"{prefix}_input_width\")]");
                w.Line($"private static int InputWidth() => {(spec.TokenInput ? "1" : model + ".Input")};");
                w.Line();
                w.Line($"[UnmanagedCallersOnly(EntryPoint = \"{prefix}_output_width\")]");
                w.Line($"private static int OutputWidth() => {model}.Output;");
                w.Line();
                w.Line($"[UnmanagedCallersOnly(EntryPoint = \"{prefix}_last_error\")]");
                w.Line("private static nuint LastError(nint buffer, nuint capacity) => NativeCalls.LastError(buffer, capacity);");
            }
        }
    }

    /// <summary>An entry point returning a status: <paramref name="body"/> in try, any exception turned into a status and a message.</summary>
    private static void Entry(CodeWriter w, string prefix, string function, string name, string parameters, params string[] body) =>
        Entry(w, prefix, function, name, parameters, streaming: false, body);

    private static void Entry(CodeWriter w, string prefix, string function, string name, string parameters, bool streaming, string[] body)
    {
        w.Line();
        w.Line($"[UnmanagedCallersOnly(EntryPoint = \"{prefix}_{function}\")]");
        if (streaming)
        {
            // As the model's Step: fully optimised at the first call, for a real-time thread.
            w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        }

        using (w.Open($"private static int {name}({parameters})"))
        {
            using (w.Open("try"))
            {
                foreach (string line in body) w.Line(line);
            }

            using (w.Open("catch (Exception e)"))
            {
                w.Line($"return NativeCalls.Fail(e, \"{prefix}_{function}\");");
            }
        }
    }
}
