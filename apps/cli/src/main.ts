import '@imgswarm/core/polyfills'
import { Bitfield } from '@imgswarm/core'
class X { constructor(public a: number) {} }
function dec(): ClassDecorator { return () => {} }
@dec()
class Y { constructor(x: X) { console.log('y', x) } }
console.log('hello', new Bitfield(3).length, Reflect ? 1 : 0, Y.name)
