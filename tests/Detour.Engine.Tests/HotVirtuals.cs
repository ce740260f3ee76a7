// Generated once (three prologue shapes, cycled) for FirstWriteTests: each method's code is written once, so
// testing the first write under load needs many methods. Debug-built, like every method Detour patches.

namespace Detour.Engine.Tests;

public class HotVirtuals
{
    public virtual int Hot000(int a) => a + 1;
    public virtual int Hot001(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot002(int a) { var pair = (a, 2); return pair.a + 1; }
    public virtual int Hot003(int a) => a + 1;
    public virtual int Hot004(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot005(int a) { var pair = (a, 5); return pair.a + 1; }
    public virtual int Hot006(int a) => a + 1;
    public virtual int Hot007(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot008(int a) { var pair = (a, 8); return pair.a + 1; }
    public virtual int Hot009(int a) => a + 1;
    public virtual int Hot010(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot011(int a) { var pair = (a, 11); return pair.a + 1; }
    public virtual int Hot012(int a) => a + 1;
    public virtual int Hot013(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot014(int a) { var pair = (a, 14); return pair.a + 1; }
    public virtual int Hot015(int a) => a + 1;
    public virtual int Hot016(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot017(int a) { var pair = (a, 17); return pair.a + 1; }
    public virtual int Hot018(int a) => a + 1;
    public virtual int Hot019(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot020(int a) { var pair = (a, 20); return pair.a + 1; }
    public virtual int Hot021(int a) => a + 1;
    public virtual int Hot022(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot023(int a) { var pair = (a, 23); return pair.a + 1; }
    public virtual int Hot024(int a) => a + 1;
    public virtual int Hot025(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot026(int a) { var pair = (a, 26); return pair.a + 1; }
    public virtual int Hot027(int a) => a + 1;
    public virtual int Hot028(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot029(int a) { var pair = (a, 29); return pair.a + 1; }
    public virtual int Hot030(int a) => a + 1;
    public virtual int Hot031(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot032(int a) { var pair = (a, 32); return pair.a + 1; }
    public virtual int Hot033(int a) => a + 1;
    public virtual int Hot034(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot035(int a) { var pair = (a, 35); return pair.a + 1; }
    public virtual int Hot036(int a) => a + 1;
    public virtual int Hot037(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot038(int a) { var pair = (a, 38); return pair.a + 1; }
    public virtual int Hot039(int a) => a + 1;
    public virtual int Hot040(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot041(int a) { var pair = (a, 41); return pair.a + 1; }
    public virtual int Hot042(int a) => a + 1;
    public virtual int Hot043(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot044(int a) { var pair = (a, 44); return pair.a + 1; }
    public virtual int Hot045(int a) => a + 1;
    public virtual int Hot046(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot047(int a) { var pair = (a, 47); return pair.a + 1; }
    public virtual int Hot048(int a) => a + 1;
    public virtual int Hot049(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot050(int a) { var pair = (a, 50); return pair.a + 1; }
    public virtual int Hot051(int a) => a + 1;
    public virtual int Hot052(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot053(int a) { var pair = (a, 53); return pair.a + 1; }
    public virtual int Hot054(int a) => a + 1;
    public virtual int Hot055(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot056(int a) { var pair = (a, 56); return pair.a + 1; }
    public virtual int Hot057(int a) => a + 1;
    public virtual int Hot058(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot059(int a) { var pair = (a, 59); return pair.a + 1; }
    public virtual int Hot060(int a) => a + 1;
    public virtual int Hot061(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot062(int a) { var pair = (a, 62); return pair.a + 1; }
    public virtual int Hot063(int a) => a + 1;
    public virtual int Hot064(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot065(int a) { var pair = (a, 65); return pair.a + 1; }
    public virtual int Hot066(int a) => a + 1;
    public virtual int Hot067(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot068(int a) { var pair = (a, 68); return pair.a + 1; }
    public virtual int Hot069(int a) => a + 1;
    public virtual int Hot070(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot071(int a) { var pair = (a, 71); return pair.a + 1; }
    public virtual int Hot072(int a) => a + 1;
    public virtual int Hot073(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot074(int a) { var pair = (a, 74); return pair.a + 1; }
    public virtual int Hot075(int a) => a + 1;
    public virtual int Hot076(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot077(int a) { var pair = (a, 77); return pair.a + 1; }
    public virtual int Hot078(int a) => a + 1;
    public virtual int Hot079(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot080(int a) { var pair = (a, 80); return pair.a + 1; }
    public virtual int Hot081(int a) => a + 1;
    public virtual int Hot082(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot083(int a) { var pair = (a, 83); return pair.a + 1; }
    public virtual int Hot084(int a) => a + 1;
    public virtual int Hot085(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot086(int a) { var pair = (a, 86); return pair.a + 1; }
    public virtual int Hot087(int a) => a + 1;
    public virtual int Hot088(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot089(int a) { var pair = (a, 89); return pair.a + 1; }
    public virtual int Hot090(int a) => a + 1;
    public virtual int Hot091(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot092(int a) { var pair = (a, 92); return pair.a + 1; }
    public virtual int Hot093(int a) => a + 1;
    public virtual int Hot094(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot095(int a) { var pair = (a, 95); return pair.a + 1; }
    public virtual int Hot096(int a) => a + 1;
    public virtual int Hot097(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot098(int a) { var pair = (a, 98); return pair.a + 1; }
    public virtual int Hot099(int a) => a + 1;
    public virtual int Hot100(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot101(int a) { var pair = (a, 101); return pair.a + 1; }
    public virtual int Hot102(int a) => a + 1;
    public virtual int Hot103(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot104(int a) { var pair = (a, 104); return pair.a + 1; }
    public virtual int Hot105(int a) => a + 1;
    public virtual int Hot106(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot107(int a) { var pair = (a, 107); return pair.a + 1; }
    public virtual int Hot108(int a) => a + 1;
    public virtual int Hot109(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot110(int a) { var pair = (a, 110); return pair.a + 1; }
    public virtual int Hot111(int a) => a + 1;
    public virtual int Hot112(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot113(int a) { var pair = (a, 113); return pair.a + 1; }
    public virtual int Hot114(int a) => a + 1;
    public virtual int Hot115(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot116(int a) { var pair = (a, 116); return pair.a + 1; }
    public virtual int Hot117(int a) => a + 1;
    public virtual int Hot118(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot119(int a) { var pair = (a, 119); return pair.a + 1; }
    public virtual int Hot120(int a) => a + 1;
    public virtual int Hot121(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot122(int a) { var pair = (a, 122); return pair.a + 1; }
    public virtual int Hot123(int a) => a + 1;
    public virtual int Hot124(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot125(int a) { var pair = (a, 125); return pair.a + 1; }
    public virtual int Hot126(int a) => a + 1;
    public virtual int Hot127(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot128(int a) { var pair = (a, 128); return pair.a + 1; }
    public virtual int Hot129(int a) => a + 1;
    public virtual int Hot130(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot131(int a) { var pair = (a, 131); return pair.a + 1; }
    public virtual int Hot132(int a) => a + 1;
    public virtual int Hot133(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot134(int a) { var pair = (a, 134); return pair.a + 1; }
    public virtual int Hot135(int a) => a + 1;
    public virtual int Hot136(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot137(int a) { var pair = (a, 137); return pair.a + 1; }
    public virtual int Hot138(int a) => a + 1;
    public virtual int Hot139(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot140(int a) { var pair = (a, 140); return pair.a + 1; }
    public virtual int Hot141(int a) => a + 1;
    public virtual int Hot142(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot143(int a) { var pair = (a, 143); return pair.a + 1; }
    public virtual int Hot144(int a) => a + 1;
    public virtual int Hot145(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot146(int a) { var pair = (a, 146); return pair.a + 1; }
    public virtual int Hot147(int a) => a + 1;
    public virtual int Hot148(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot149(int a) { var pair = (a, 149); return pair.a + 1; }
    public virtual int Hot150(int a) => a + 1;
    public virtual int Hot151(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot152(int a) { var pair = (a, 152); return pair.a + 1; }
    public virtual int Hot153(int a) => a + 1;
    public virtual int Hot154(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot155(int a) { var pair = (a, 155); return pair.a + 1; }
    public virtual int Hot156(int a) => a + 1;
    public virtual int Hot157(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot158(int a) { var pair = (a, 158); return pair.a + 1; }
    public virtual int Hot159(int a) => a + 1;
    public virtual int Hot160(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot161(int a) { var pair = (a, 161); return pair.a + 1; }
    public virtual int Hot162(int a) => a + 1;
    public virtual int Hot163(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot164(int a) { var pair = (a, 164); return pair.a + 1; }
    public virtual int Hot165(int a) => a + 1;
    public virtual int Hot166(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot167(int a) { var pair = (a, 167); return pair.a + 1; }
    public virtual int Hot168(int a) => a + 1;
    public virtual int Hot169(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot170(int a) { var pair = (a, 170); return pair.a + 1; }
    public virtual int Hot171(int a) => a + 1;
    public virtual int Hot172(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot173(int a) { var pair = (a, 173); return pair.a + 1; }
    public virtual int Hot174(int a) => a + 1;
    public virtual int Hot175(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot176(int a) { var pair = (a, 176); return pair.a + 1; }
    public virtual int Hot177(int a) => a + 1;
    public virtual int Hot178(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot179(int a) { var pair = (a, 179); return pair.a + 1; }
    public virtual int Hot180(int a) => a + 1;
    public virtual int Hot181(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot182(int a) { var pair = (a, 182); return pair.a + 1; }
    public virtual int Hot183(int a) => a + 1;
    public virtual int Hot184(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot185(int a) { var pair = (a, 185); return pair.a + 1; }
    public virtual int Hot186(int a) => a + 1;
    public virtual int Hot187(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot188(int a) { var pair = (a, 188); return pair.a + 1; }
    public virtual int Hot189(int a) => a + 1;
    public virtual int Hot190(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot191(int a) { var pair = (a, 191); return pair.a + 1; }
    public virtual int Hot192(int a) => a + 1;
    public virtual int Hot193(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot194(int a) { var pair = (a, 194); return pair.a + 1; }
    public virtual int Hot195(int a) => a + 1;
    public virtual int Hot196(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot197(int a) { var pair = (a, 197); return pair.a + 1; }
    public virtual int Hot198(int a) => a + 1;
    public virtual int Hot199(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot200(int a) { var pair = (a, 200); return pair.a + 1; }
    public virtual int Hot201(int a) => a + 1;
    public virtual int Hot202(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot203(int a) { var pair = (a, 203); return pair.a + 1; }
    public virtual int Hot204(int a) => a + 1;
    public virtual int Hot205(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot206(int a) { var pair = (a, 206); return pair.a + 1; }
    public virtual int Hot207(int a) => a + 1;
    public virtual int Hot208(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot209(int a) { var pair = (a, 209); return pair.a + 1; }
    public virtual int Hot210(int a) => a + 1;
    public virtual int Hot211(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot212(int a) { var pair = (a, 212); return pair.a + 1; }
    public virtual int Hot213(int a) => a + 1;
    public virtual int Hot214(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot215(int a) { var pair = (a, 215); return pair.a + 1; }
    public virtual int Hot216(int a) => a + 1;
    public virtual int Hot217(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot218(int a) { var pair = (a, 218); return pair.a + 1; }
    public virtual int Hot219(int a) => a + 1;
    public virtual int Hot220(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot221(int a) { var pair = (a, 221); return pair.a + 1; }
    public virtual int Hot222(int a) => a + 1;
    public virtual int Hot223(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot224(int a) { var pair = (a, 224); return pair.a + 1; }
    public virtual int Hot225(int a) => a + 1;
    public virtual int Hot226(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot227(int a) { var pair = (a, 227); return pair.a + 1; }
    public virtual int Hot228(int a) => a + 1;
    public virtual int Hot229(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot230(int a) { var pair = (a, 230); return pair.a + 1; }
    public virtual int Hot231(int a) => a + 1;
    public virtual int Hot232(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot233(int a) { var pair = (a, 233); return pair.a + 1; }
    public virtual int Hot234(int a) => a + 1;
    public virtual int Hot235(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot236(int a) { var pair = (a, 236); return pair.a + 1; }
    public virtual int Hot237(int a) => a + 1;
    public virtual int Hot238(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int Hot239(int a) { var pair = (a, 239); return pair.a + 1; }

    public static int Replacement(HotVirtuals self, int a) => a + 2;
}

/// <summary>For StragglerTests: one method per prologue shape, whose code no other test writes.</summary>
public class StragglerVirtuals
{
    public virtual int NoLocals(int a) => a + 1;
    public virtual int TwoLocals(int a) { int b = a; long c = b; return (int)c + 1; }
    public virtual int StructLocal(int a) { var pair = (a, 7); return pair.a + 1; }
    public static int Replacement(StragglerVirtuals self, int a) => a + 2;
}
