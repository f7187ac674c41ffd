/**
 * Time devices of the emulated PC: the machine's {@link platform.pc.time.VirtualClock} and the
 * device models that derive from it ({@link platform.pc.time.Hpet}, {@link platform.pc.time.Pit8254},
 * {@link platform.pc.time.CmosRtc}). Interrupts leave through {@link platform.pc.time.IrqSink}.
 */
package platform.pc.time;
