using System;
using System.Linq;

namespace RnnGen.Generator.Tests;

/// <summary>The generator reads option values by number; its mirrors must match the runtime's public enums.</summary>
public class EnumMirrorTests
{
    [Theory]
    [InlineData(typeof(RnnGen.CellType), typeof(Model.CellKind))]
    [InlineData(typeof(RnnGen.Activation), typeof(Model.ActivationKind))]
    [InlineData(typeof(RnnGen.Loss), typeof(Model.LossKind))]
    [InlineData(typeof(RnnGen.Outputs), typeof(Model.OutputsKind))]
    [InlineData(typeof(RnnGen.Recurrence), typeof(Model.RecurrenceKind))]
    [InlineData(typeof(RnnGen.Precision), typeof(Model.PrecisionKind))]
    public void MirrorMatchesRuntimeEnum(Type runtime, Type mirror)
    {
        static string[] Members(Type t) => Enum.GetValues(t).Cast<object>().Select(v => $"{v}={Convert.ToInt32(v)}").ToArray();
        Assert.Equal(Members(runtime), Members(mirror));
    }
}
