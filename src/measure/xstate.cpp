#include "measure/xstate.hpp"

#include <fmt/format.h>

#if defined(__x86_64__)
#include <asm/prctl.h>
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#endif

namespace bench_switch {

#if defined(__x86_64__)
namespace {

struct Cpuid {
  unsigned a = 0, b = 0, c = 0, d = 0;
};
Cpuid cpuid(unsigned leaf, unsigned sub) {
  Cpuid r;
  __cpuid_count(leaf, sub, r.a, r.b, r.c, r.d);
  return r;
}
std::uint64_t xgetbv(unsigned index) {
  unsigned lo, hi;
  asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(index));
  return (std::uint64_t{hi} << 32) | lo;
}

constexpr int kAvx = 2, kOpmask = 5, kZmmHi256 = 6, kHi16Zmm = 7, kTileCfg = 17, kTileData = 18;
constexpr std::uint64_t kAvx512Components = (1u << kOpmask) | (1u << kZmmHi256) | (1u << kHi16Zmm);
// What the clean side puts in its initial configuration: everything AVX and AVX-512 hold.
constexpr std::uint64_t kVectorComponents = (1u << kAvx) | kAvx512Components;
constexpr std::uint64_t kAmxComponents = (std::uint64_t{1} << kTileCfg) | (std::uint64_t{1} << kTileData);

const char* component_name(int i) {
  switch (i) {
    case 0: return "x87";
    case 1: return "SSE";
    case 2: return "AVX (YMM_Hi128)";
    case 3: return "MPX BNDREGS";
    case 4: return "MPX BNDCSR";
    case 5: return "AVX-512 opmask";
    case 6: return "AVX-512 ZMM_Hi256";
    case 7: return "AVX-512 Hi16_ZMM";
    case 9: return "PKRU";
    case 17: return "AMX XTILECFG";
    case 18: return "AMX XTILEDATA";
    case 19: return "APX";
    default: return "other";
  }
}

std::string avx512_reason(const XsaveFacts& f) {
  if (!f.xsave) return "skipped: no XSAVE, or the kernel did not enable it (CPUID.1:ECX OSXSAVE)";
  if (((cpuid(7, 0).b >> 16) & 1) == 0) return "skipped: this CPU has no AVX-512 (CPUID.(EAX=7,ECX=0):EBX[16] AVX512F = 0)";
  if ((f.xcr0 & kAvx512Components) != kAvx512Components)
    return fmt::format("skipped: the kernel did not enable the AVX-512 state (XCR0 = {:#x}, bits 5-7 not all set)", f.xcr0);
  if (!f.xinuse) return "skipped: XGETBV(1) (XINUSE) is not available to prove which state is live (CPUID.(0DH,1):EAX[2] = 0)";
  return "";
}

std::string amx_reason(const XsaveFacts& f) {
  if (!f.xsave) return "skipped: no XSAVE, or the kernel did not enable it (CPUID.1:ECX OSXSAVE)";
  const Cpuid leaf7 = cpuid(7, 0);
  std::string why;
  if (((leaf7.d >> 24) & 1) == 0) why = "this CPU has no AMX (CPUID.(EAX=7,ECX=0):EDX[24] AMX-TILE = 0)";
  if ((f.cpu_supported & kAmxComponents) != kAmxComponents)
    why += fmt::format("{}XCR0 may not hold the tile state (CPUID.(0DH,0):EDX:EAX = {:#x}, bits 17-18 clear)",
                       why.empty() ? "" : "; ", f.cpu_supported);
  if ((f.xcr0 & kAmxComponents) != kAmxComponents)
    why += fmt::format("{}the kernel did not enable it (XCR0 = {:#x})", why.empty() ? "" : "; ", f.xcr0);
  // The kernel's own answer, asked even when the CPU said no: the reason is then complete.
  std::uint64_t supported = 0;
  if (syscall(SYS_arch_prctl, ARCH_GET_XCOMP_SUPP, &supported) != 0) {
    why += fmt::format("{}arch_prctl(ARCH_GET_XCOMP_SUPP) failed: {}", why.empty() ? "" : "; ", std::strerror(errno));
  } else if ((supported & (std::uint64_t{1} << kTileData)) == 0) {
    why += fmt::format("{}the kernel supports no XTILEDATA (ARCH_GET_XCOMP_SUPP = {:#x})", why.empty() ? "" : "; ", supported);
  }
  if (syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, kTileData) != 0)
    why += fmt::format("{}arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) failed: {}", why.empty() ? "" : "; ",
                       std::strerror(errno));
  if (why.empty() && !f.xinuse) why = "XGETBV(1) (XINUSE) is not available to prove which state is live";
  return why.empty() ? "" : "skipped: " + why;
}

XsaveFacts probe_xsave() {
  XsaveFacts f;
  const Cpuid leaf1 = cpuid(1, 0);
  f.xsave = ((leaf1.c >> 26) & 1) != 0 && ((leaf1.c >> 27) & 1) != 0;
  if (f.xsave) {
    f.xcr0 = xgetbv(0);
    const Cpuid d0 = cpuid(0xd, 0), d1 = cpuid(0xd, 1);
    f.cpu_supported = (std::uint64_t{d0.d} << 32) | d0.a;
    f.enabled_bytes = d0.b, f.max_bytes = d0.c, f.compacted_bytes = d1.b;
    f.xinuse = ((d1.a >> 2) & 1) != 0;
    for (int i = 2; i < 32; ++i) {
      const Cpuid c = cpuid(0xd, static_cast<unsigned>(i));
      if (c.a != 0) f.components.push_back({i, component_name(i), c.a, c.b, ((f.xcr0 >> i) & 1) != 0});
    }
  }
  f.avx512_why_not = avx512_reason(f);
  f.amx_why_not = amx_reason(f);
  return f;
}

// XRSTOR of a header whose XSTATE_BV is 0 puts every requested component in its initial
// configuration: the only way to do so for zmm16-31 and the mask registers, which VZEROUPPER
// leaves as they are (and glibc's EVEX string functions use). MXCSR is restored with the AVX
// component, so the area carries the current one. One area per thread, 64-byte aligned.
struct alignas(64) InitArea {
  unsigned char legacy[512] = {};
  unsigned char header[64] = {};
};
thread_local InitArea init_area;

__attribute__((target("avx512f"), noinline)) void vectors_to_init() {
  asm volatile("stmxcsr 24(%0)\n\txrstor64 (%0)" : : "r"(&init_area), "a"(static_cast<unsigned>(kVectorComponents)), "d"(0u)
               : "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
                 "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21",
                 "xmm22", "xmm23", "xmm24", "xmm25", "xmm26", "xmm27", "xmm28", "xmm29", "xmm30", "xmm31", "k1", "k2",
                 "k3", "k4", "k5", "k6", "k7");
}
// All ones in zmm16-31: the Hi16_ZMM component (1 KiB) live.
__attribute__((target("avx512f"), noinline)) void dirty_zmm16_31() {
  asm volatile(
      "vpternlogd $0xff, %%zmm16, %%zmm16, %%zmm16\n\tvpternlogd $0xff, %%zmm17, %%zmm17, %%zmm17\n\t"
      "vpternlogd $0xff, %%zmm18, %%zmm18, %%zmm18\n\tvpternlogd $0xff, %%zmm19, %%zmm19, %%zmm19\n\t"
      "vpternlogd $0xff, %%zmm20, %%zmm20, %%zmm20\n\tvpternlogd $0xff, %%zmm21, %%zmm21, %%zmm21\n\t"
      "vpternlogd $0xff, %%zmm22, %%zmm22, %%zmm22\n\tvpternlogd $0xff, %%zmm23, %%zmm23, %%zmm23\n\t"
      "vpternlogd $0xff, %%zmm24, %%zmm24, %%zmm24\n\tvpternlogd $0xff, %%zmm25, %%zmm25, %%zmm25\n\t"
      "vpternlogd $0xff, %%zmm26, %%zmm26, %%zmm26\n\tvpternlogd $0xff, %%zmm27, %%zmm27, %%zmm27\n\t"
      "vpternlogd $0xff, %%zmm28, %%zmm28, %%zmm28\n\tvpternlogd $0xff, %%zmm29, %%zmm29, %%zmm29\n\t"
      "vpternlogd $0xff, %%zmm30, %%zmm30, %%zmm30\n\tvpternlogd $0xff, %%zmm31, %%zmm31, %%zmm31"
      : : : "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "xmm26", "xmm27",
            "xmm28", "xmm29", "xmm30", "xmm31");
}

// Palette 1, tile 0 of 16 rows of 64 bytes (1 KiB): any loaded tile makes the whole XTILEDATA
// component (8 KiB) live. The tile is loaded from a 1 KiB buffer.
struct alignas(64) TileConfig {
  std::uint8_t palette = 1, start_row = 0;
  std::uint8_t reserved[14] = {};
  std::uint16_t bytes_per_row[16] = {64};
  std::uint8_t rows[16] = {16};
};
thread_local TileConfig tile_config;
alignas(64) thread_local unsigned char tile_source[1024];

__attribute__((target("amx-tile"), noinline)) void tile_load() {
  asm volatile("ldtilecfg (%0)\n\tmovl $64, %%ecx\n\ttileloadd (%1,%%rcx), %%tmm0"
               : : "r"(&tile_config), "r"(tile_source) : "rcx", "memory");
}
__attribute__((target("amx-tile"), noinline)) void tile_release() { asm volatile("tilerelease" ::: "memory"); }

}  // namespace

const XsaveFacts& xsave_facts() {
  static const XsaveFacts facts = probe_xsave();
  return facts;
}

std::uint64_t xinuse() { return xsave_facts().xinuse ? xgetbv(1) : 0; }

void hold_register_state(RegisterState state) {
  if (state.feature == StateFeature::avx512 && state.live) {
    vectors_to_init();
    dirty_zmm16_31();
    return;
  }
  dirty_zmm16_31();
  vectors_to_init();
  if (state.feature != StateFeature::amx) return;
  if (state.live) {
    tile_release();
    tile_load();
  } else {
    tile_load();
    tile_release();
  }
}

#else  // not x86-64

const XsaveFacts& xsave_facts() {
  static const XsaveFacts facts = [] {
    XsaveFacts f;
    f.avx512_why_not = "skipped: AVX-512 is x86-64 state";
    f.amx_why_not = "skipped: AMX is x86-64 state";
    return f;
  }();
  return facts;
}
std::uint64_t xinuse() { return 0; }
void hold_register_state(RegisterState) {}

#endif

nlohmann::json xsave_context() {
  const XsaveFacts& f = xsave_facts();
  nlohmann::json components = nlohmann::json::array();
  for (const XsaveComponent& c : f.components)
    components.push_back({{"index", c.index}, {"name", c.name}, {"bytes", c.bytes}, {"offset", c.offset}, {"enabled", c.enabled}});
  return {{"available", f.xsave},
          {"xcr0", f.xcr0},
          {"cpu_supported", f.cpu_supported},
          {"enabled_bytes", f.enabled_bytes},
          {"max_bytes", f.max_bytes},
          {"compacted_bytes", f.compacted_bytes},
          {"xinuse_readable", f.xinuse},
          {"components", components},
          {"avx512", f.avx512_why_not.empty() ? "measured" : f.avx512_why_not},
          {"amx", f.amx_why_not.empty() ? "measured" : f.amx_why_not}};
}

}  // namespace bench_switch
