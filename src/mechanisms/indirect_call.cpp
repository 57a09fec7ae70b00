// The no-switch baseline: the "partner" is a function reached through a pointer the compiler
// cannot see through. A call and its return stand where a switch and the switch back would.
#include "mechanisms/cooperative.hpp"
#include "mechanisms/one_thread.hpp"

namespace bench_switch {
namespace {

class IndirectCall final : public OneThreadHandoff {
 public:
  using OneThreadHandoff::OneThreadHandoff;
  void run(std::uint64_t round_trips) override {
    for (std::uint64_t i = 0; i < round_trips; ++i) {
      measuring_send();
      partner_(this);  // read through a volatile pointer: neither inlined nor hoisted out of the loop
      measuring_receive();
    }
  }

 private:
  static void answer(IndirectCall* self) { self->partner_answer(); }
  void (*volatile partner_)(IndirectCall*) = &answer;
};
}  // namespace

std::unique_ptr<Handoff> make_indirect_call(const Work& work) { return std::make_unique<IndirectCall>(work); }

}  // namespace bench_switch
