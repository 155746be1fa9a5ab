using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Lanes.Propagation;

namespace Lanes.Core.Tests.Propagation;

public class W3CBaggageTests
{
    [Theory]
    [InlineData("x-mse-tag=gray", null)]
    [InlineData("userId=7,x-mse-tag=gray", "userId=7")]
    [InlineData("x-mse-tag=gray;p=1 , userId=7, x-mse-tag=blue", "userId=7")]
    [InlineData("x-mse-tag-other=1,x-mse-tag=gray", "x-mse-tag-other=1")]
    public void RemoveMember_DropsEveryMemberWithTheKey(string baggage, string? expected)
    {
        Assert.Equal(expected, W3CBaggage.RemoveMember(baggage, "x-mse-tag"));
    }

    [Fact]
    public void RemoveMember_WithoutTheKey_ReturnsTheSameString()
    {
        const string baggage = "userId=7,tenant=a";
        Assert.Same(baggage, W3CBaggage.RemoveMember(baggage, "x-mse-tag"));
    }

    [Property(MaxTest = 500)]
    public Property RemoveMember_LeavesNoLaneMember(NonNull<string> baggage)
    {
        var result = W3CBaggage.RemoveMember(baggage.Get, "x-mse-tag");
        return (result is null || !W3CBaggage.TryFindLast(result, "x-mse-tag", out _)).ToProperty();
    }
}
